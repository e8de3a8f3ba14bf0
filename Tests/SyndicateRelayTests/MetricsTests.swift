import Foundation
import TestSupport
import Testing

/// The `<metrics>` service: Prometheus metrics over the broker's own HTTP.
@Suite("Prometheus metrics", .serialized)
struct MetricsTests {
    /// The value of the sample `name` in a Prometheus text exposition.
    static func sample(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test("a config binds the metrics handler at /metrics; a scrape shows connections, turns, messages, assertions, queued bytes and memory")
    func scrape() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
            let ?httpd = dataspace
            <require-service <relay-listener <tcp "127.0.0.1" \(port)> $gatekeeper $httpd>>
            <require-service <http-router $httpd>>
            <require-service <metrics>>
            ? <service-object <metrics> ?handler> [
              $httpd += <http-bind #f \(port) get ["metrics"] $handler>
            ]
            let ?root = dataspace
            <bind <ref {oid: "syndicate" key: #x""}> $root #f>
            """.write(to: directory.appendingPathComponent("metrics.pr"), atomically: true, encoding: .utf8)
        let server = try await UpstreamConfigTests.server(directory.path, port: port)
        defer { server.kill() }
        // A client that stays connected, with its resolve answered (a turn or two, an assertion).
        let client = try RawPeer(port: port)
        #expect(await ServerNetworkTests.served(client))
        var text = ""
        for _ in 0..<50 {
            let (status, body) = try await UpstreamConfigTests.get("/metrics", port: port)
            text = body
            if status.contains("200") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for name in ["syndicate_connections", "syndicate_turns_total", "syndicate_messages_total", "syndicate_assertions",
                     "syndicate_queued_bytes", "syndicate_resident_memory_bytes"] {
            #expect(Self.sample(name, in: text) != nil, "\(name) missing from:\n\(text)")
        }
        #expect((Self.sample("syndicate_connections", in: text) ?? 0) >= 1)
        #expect((Self.sample("syndicate_turns_total", in: text) ?? 0) > 0)
        #expect((Self.sample("syndicate_assertions", in: text) ?? 0) > 0)
        #expect((Self.sample("syndicate_resident_memory_bytes", in: text) ?? 0) > 1_048_576)
        #expect(text.contains("# TYPE syndicate_turns_total counter"))
    }
}

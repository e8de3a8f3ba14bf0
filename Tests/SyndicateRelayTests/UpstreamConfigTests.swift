import Foundation
import Preserves
import Syndicate
import TestSupport
import Testing

/// syndicate-rs's own config files (Tests/Fixtures/syndicate-rs-configs, unchanged) run by our
/// `syndicate-server`, checked with real clients. They listen on the ports they name (9001).
@Suite("syndicate-rs configs, unchanged", .serialized)
struct UpstreamConfigTests {
    static func config(_ name: String) -> String { SharedMaterial.repoPath("Tests/Fixtures/syndicate-rs-configs/\(name)") }

    /// A server running `config` in `directory`, once it listens on `port`.
    static func server(_ config: String, port: Int, directory: String? = nil) async throws -> InteractiveProcess {
        let server = try InteractiveProcess(
            ServerBinaryTests.serverPath, ["-c", config, "--no-banner"], includeStandardError: true, directory: directory)
        guard await server.waitForLine(where: { $0.contains("listening") && $0.contains("\(port)") }) != nil else {
            server.kill()
            throw ServerDidNotListen()
        }
        return server
    }

    struct ServerDidNotListen: Error {}

    /// Status line and body of `GET path` on the loopback `port`.
    static func get(_ path: String, port: Int) async throws -> (status: String, body: String) {
        let peer = try RawPeer(port: port)
        peer.write("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let (bytes, _) = await peer.readToClose(timeout: 10)
        let text = String(decoding: bytes, as: UTF8.self)
        let status = text.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, Self.dechunked(body, chunked: text.lowercased().contains("transfer-encoding: chunked")))
    }

    /// The body of a chunked response, reassembled.
    static func dechunked(_ body: String, chunked: Bool) -> String {
        guard chunked else { return body }
        var out = ""
        var rest = Substring(body)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }

    @Test("http-config.pr: /d, /e, /t and static files answer as the file's comments describe; other paths get 404")
    func httpConfig() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("http-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "static content\n".write(to: directory.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
        let server = try await Self.server(Self.config("http-config.pr"), port: 9001, directory: directory.path)
        defer { server.kill() }
        // The router and bindings come up just after the listener.
        var d = try await Self.get("/d", port: 9001)
        for _ in 0..<50 where !d.status.contains("200") {
            try await Task.sleep(for: .milliseconds(100))
            d = try await Self.get("/d", port: 9001)
        }
        // /d is bound twice ($index and $index2): one of them answers, and the router warns.
        #expect(d.status == "HTTP/1.1 200 OK")
        #expect(["<!DOCTYPE html><html><body>D</body></html>", "<!DOCTYPE html><html><body>D2</body></html>"].contains(d.body), "\(d.body)")
        #expect(await server.waitForLine(timeout: 5) { $0.contains("several HTTP bindings match") } != nil)
        let e = try await Self.get("/e", port: 9001)
        #expect(e.status == "HTTP/1.1 200 OK")
        #expect(e.body == "<!DOCTYPE html><html><body>D2</body></html>")
        // /t is hijacked by two raw request listeners, which answer first; the router's answer is lost.
        let t = try await Self.get("/t", port: 9001)
        #expect(t.status == "HTTP/1.1 200 OK")
        #expect(["<html><body>T</body></html>", "<html><body>T2</body></html>"].contains(t.body), "\(t.body)")
        let file = try await Self.get("/files/hello.txt", port: 9001)
        #expect(file.status == "HTTP/1.1 200 OK")
        #expect(file.body == "static content\n")
        let missing = try await Self.get("/nowhere", port: 9001)
        #expect(missing.status.hasPrefix("HTTP/1.1 404"))
        let escape = try await Self.get("/files/../etc/passwd", port: 9001)
        #expect(escape.status.hasPrefix("HTTP/1.1 404"))
        // The protocol still works on the same port.
        await #expect(ServerNetworkTests.served(try RawPeer(port: 9001)))
    }

    @Test("benchmark-config.pr: the well-known ref resolves to its root dataspace on port 9001")
    func benchmarkConfig() async throws {
        let server = try await Self.server(Self.config("benchmark-config.pr"), port: 9001)
        defer { server.kill() }
        await #expect(ServerNetworkTests.served(try RawPeer(port: 9001)))
    }
}

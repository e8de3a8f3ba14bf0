import Foundation
import Preserves
import Syndicate
import SyndicateProtocols
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

    @Test("gatekeeper-config.pr (without its noise step): the inner gatekeeper service runs, and its labelled refs enforce usernames for syndicate-py peers")
    func gatekeeperConfig() async throws {
        // The file runs unchanged; a second file of the test's own exposes the inner gatekeeper
        // at the outer one under a plain sturdy ref, standing in for the noise binding.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatekeeper-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.config("gatekeeper-config.pr"), toPath: directory.appendingPathComponent("gatekeeper-config.pr").path)
        try """
            ? <service-object <gatekeeper _> ?inner> [
              <bind <ref {oid: "inner-gatekeeper" key: #""}> $inner #f>
            ]
            """.write(to: directory.appendingPathComponent("expose-inner.pr"), atomically: true, encoding: .utf8)
        let server = try await Self.server(directory.path, port: 9222)
        defer { server.kill() }
        let inner: Sturdy.SturdyRef<Ref> = try SturdyRefs.mint(oid: .string("inner-gatekeeper"), key: [])
        let via = ["\(inner.preserves)"]
        let address = #"<tcp "127.0.0.1" 9222>"#
        // The refs the config's comments give: the service's root capability, and alice's and
        // bob's attenuations, which wrap everything in <labelled NAME …>. (The config's lines
        // that unwrap labelled *Observe*s match patterns written `<rec Present …>`, the
        // pattern syntax before 2024; the py-0.19.3 revision writes them `<group <rec Present> …>`,
        // so labelled peers cannot observe, and the watcher here uses the root capability.)
        let rootRef = #"<ref {oid: a-service, sig: #[JTTGQeYCgohMXW/2S2XH8g]}>"#
        let aliceRef = #"<ref {caveats: [<rewrite <bind <_>> <rec labelled [<lit "alice">, <ref 0>]>>], oid: a-service, sig: #[CXn7+rAoO3Xr6Y6Laap3OA]}>"#
        let bobRef = #"<ref {caveats: [<rewrite <bind <_>> <rec labelled [<lit "bob">, <ref 0>]>>], oid: a-service, sig: #[/75BbF77LOiqNcvpzNHf0g]}>"#
        let watcher = try await PythonPeer.chat(name: "watcher", address: address, ref: rootRef, via: via)
        // Alice and bob claim to be "mallory" and "eve"; their labels say who they are.
        let alice = try await PythonPeer.chat(name: "mallory", address: address, ref: aliceRef, via: via)
        let bob = try await PythonPeer.chat(name: "eve", address: address, ref: bobRef, via: via)
        defer {
            watcher.kill()
            alice.kill()
            bob.kill()
        }
        #expect(await watcher.waitFor("CONNECTED"))
        #expect(await alice.waitFor("CONNECTED"))
        #expect(await bob.waitFor("CONNECTED"))
        #expect(await watcher.waitFor("PRESENT alice"))
        #expect(await watcher.waitFor("PRESENT bob"))
        alice.send("say hello")
        #expect(await watcher.waitFor("SAYS alice hello"))
        #expect(await watcher.waitForLine(timeout: 1) { $0 == "PRESENT mallory" || $0 == "PRESENT eve" || $0.hasPrefix("SAYS mallory") } == nil)
        alice.kill()
        #expect(await watcher.waitFor("ABSENT alice"))
        // A forged ref is rejected by the inner gatekeeper.
        let forged = #"<ref {oid: a-service, sig: #[AAAAAAAAAAAAAAAAAAAAAA]}>"#
        let mallory = try await PythonPeer.chat(name: "mallory", address: address, ref: forged, via: via)
        defer { mallory.kill() }
        #expect(await mallory.waitForLine { $0.hasPrefix("REJECTED") } != nil)
    }

    @Test("benchmark-config.pr: the well-known ref resolves to its root dataspace on port 9001")
    func benchmarkConfig() async throws {
        let server = try await Self.server(Self.config("benchmark-config.pr"), port: 9001)
        defer { server.kill() }
        await #expect(ServerNetworkTests.served(try RawPeer(port: 9001)))
    }
}

import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import TestSupport
import Testing

extension UpstreamConfigTests {
    /// A Swift client following the route gatekeeper-config.pr's comments give: TCP to port
    /// 9222, the `<noise {key: … service: world}>` step to the inner gatekeeper, then a sturdy
    /// ref to `$world`. `connected` runs in the client's actor with what the ref designates.
    static func noiseRouteClient(
        name: String, sturdyRef: String, log: EventLog, _ connected: @escaping @Sendable (Turn, Ref) throws -> Void
    ) throws -> SyndicateActor {
        // The key gatekeeper-config.pr's noise binding publishes.
        let key = Data(base64Encoded: "z1w/OLy0wi3Veyk8/D+2182YxcrKpgc8y0ZJEBDrmWs=") ?? Data()
        let ref = try Sturdy.SturdyRef<Ref>(parsing: sturdyRef)
        let spec = Noise.NoiseSpec<Ref>(key: Array(key), service: .symbol("world"), protocol: .absent, preSharedKeys: .absent)
        return SyndicateActor.boot(name: name) { turn in
            let me = turn.actor
            turn.linkedTask(producing: { try await RelayConnector.connect(.tcp(host: "127.0.0.1", port: 9222)) }) { turn, connection in
                try turn.resolve(connection.peer, noise: spec) { inner in
                    me.run { turn in
                        turn.resolve(inner, ref, rejected: { _, detail in log.record("\(name) rejected \(detail)") }) { turn, world in
                            log.record("\(name) connected")
                            try connected(turn, world)
                        }
                    }
                }
            }
        }
    }

    @Test("gatekeeper-config.pr unchanged, its noise binding included: Swift clients reach $world through the noise step and the attenuated refs the file names")
    func gatekeeperConfigThroughNoise() async throws {
        let server = try await Self.server(Self.config("gatekeeper-config.pr"), port: 9222)
        defer { server.kill() }
        let log = EventLog()
        let rootRef = #"<ref {oid: a-service, sig: #[JTTGQeYCgohMXW/2S2XH8g]}>"#
        let aliceRef = #"<ref {caveats: [<rewrite <bind <_>> <rec labelled [<lit "alice">, <ref 0>]>>], oid: a-service, sig: #[CXn7+rAoO3Xr6Y6Laap3OA]}>"#
        let watcher = try Self.noiseRouteClient(name: "watcher", sturdyRef: rootRef, log: log) { turn, world in
            turn.during(world, P.rec("Present", P.bind())) { turn, captures in
                log.record("present \(captures[0])")
                turn.onStop { _ in log.record("absent \(captures[0])") }
            }
        }
        defer { watcher.run { $0.stopActor() } }
        #expect(await log.waitFor("watcher connected"), "\(log.all)")
        // Alice claims to be "mallory"; her ref's caveat labels what she asserts, and the config
        // turns <labelled "alice" <Present _>> into <Present "alice">.
        let alice = try Self.noiseRouteClient(name: "alice", sturdyRef: aliceRef, log: log) { turn, world in
            turn.assert(world, .record("Present", .string("mallory")))
        }
        #expect(await log.waitFor(#"present "alice""#), "\(log.all)")
        #expect(!log.all.contains(#"present "mallory""#))
        alice.run { $0.stopActor() }
        #expect(await log.waitFor(#"absent "alice""#), "\(log.all)")
        // A forged ref is rejected by the inner gatekeeper, reached through the noise step.
        let forged = try Self.noiseRouteClient(name: "forger", sturdyRef: #"<ref {oid: a-service, sig: #[AAAAAAAAAAAAAAAAAAAAAA]}>"#, log: log) { _, _ in }
        defer { forged.run { $0.stopActor() } }
        #expect(await log.waitForPrefix("forger rejected"), "\(log.all)")
    }
}

extension UpstreamConfigTests {
    /// The routes gatekeeper-config.pr's comments give ("the `gatekeeper.Route` that Alice would
    /// use"), over TCP to port 9222 instead of their public WebSocket address.
    static func worldRoute(_ sturdyRef: String) -> String {
        #"<route [<tcp "127.0.0.1" 9222>] <noise {key: #[z1w/OLy0wi3Veyk8/D+2182YxcrKpgc8y0ZJEBDrmWs], service: world}> \#(sturdyRef)>"#
    }

    @Test("gatekeeper-config.pr unchanged: Swift clients reach $world by route (SyndicateClient.connect(route:)), through the noise step and the attenuated ref the file names")
    func gatekeeperConfigByRoute() async throws {
        let server = try await Self.server(Self.config("gatekeeper-config.pr"), port: 9222)
        defer { server.kill() }
        let rootRef = #"<ref {oid: a-service, sig: #[JTTGQeYCgohMXW/2S2XH8g]}>"#
        let aliceRef = #"<ref {caveats: [<rewrite <bind <_>> <rec labelled [<lit "alice">, <ref 0>]>>], oid: a-service, sig: #[CXn7+rAoO3Xr6Y6Laap3OA]}>"#
        let watcher = try await SyndicateClient.connect(route: Self.worldRoute(rootRef))
        var presence = try await watcher.assertions(matching: P.rec("Present", P.bind())).makeAsyncIterator()
        // Alice claims to be "mallory"; her ref's caveat labels what she asserts, and the config
        // turns <labelled "alice" <Present _>> into <Present "alice">.
        let alice = try await SyndicateClient.connect(route: Self.worldRoute(aliceRef))
        try alice.assert(AnyValue.record("Present", .string("mallory")))
        let first = try await SyndicateClientTests.next(&presence)
        #expect(first == .added([.string("alice")]), "\(String(describing: first))")
        await alice.close()
        let second = try await SyndicateClientTests.next(&presence)
        #expect(second == .removed([.string("alice")]), "\(String(describing: second))")
        // A forged ref is rejected by the inner gatekeeper, reached through the noise step.
        await #expect(throws: SyndicateClientError.rejected(reason: "invalid sturdy ref")) {
            _ = try await SyndicateClient.connect(route: Self.worldRoute(#"<ref {oid: a-service, sig: #[AAAAAAAAAAAAAAAAAAAAAA]}>"#))
        }
        await watcher.close()
    }
}

extension EventLog {
    /// Waits until a line starting with `prefix` has been recorded.
    func waitForPrefix(_ prefix: String, timeout: TimeInterval = 20) async -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if all.contains(where: { $0.hasPrefix(prefix) }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return all.contains { $0.hasPrefix(prefix) }
    }
}

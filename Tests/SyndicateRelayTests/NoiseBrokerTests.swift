import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer
import Testing

/// The Noise step through our broker, over loopback TCP: a config script binds a dataspace
/// with `<bind <noise {service: … key: … secretKey: …}> $world #f>`, and a Swift client reaches
/// it through the gatekeeper's `<noise …>` step and the relay session the Noise transport carries.
@Suite struct NoiseBrokerTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// A client that connects to the broker, resolves `<noise world>` with `key` as the
    /// responder's public key, asserts `<Present name>` in what it reaches and records every
    /// `<Present …>` it sees there.
    static func client(port: Int, key: [UInt8], name: String, log: EventLog) -> SyndicateActor {
        SyndicateActor.boot(name: name) { turn in
            let me = turn.actor
            let spec = Noise.NoiseSpec<Ref>(key: key, service: .symbol("world"), protocol: .absent, preSharedKeys: .absent)
            turn.linkedTask(producing: { try await RelayConnector.connect(.tcp(host: "127.0.0.1", port: port)) }) { turn, connection in
                try turn.resolve(connection.peer, noise: spec) { remote in
                    me.run { turn in
                        turn.assert(remote, .record("Present", .string(name)))
                        turn.during(remote, P.rec("Present", P.bind())) { _, captures in
                            log.record("\(name) sees \(captures[0])")
                        }
                    }
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aClientReachesAConfiguredDataspaceThroughTheNoiseStep() async throws {
        let key = NoiseKeyPair.generate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("noise-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("noise.pr")
        try """
            let ?world = dataspace
            <bind <noise {service: world key: #x"\(Self.hex(key.publicKey))" secretKey: #x"\(Self.hex(key.secretKey))"}> $world #f>
            """.write(to: config, atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.ports = [0]
        options.configPaths = [config.path]
        let broker = await SyndicateBroker.start(options)
        let port = try #require(try await broker.listeningPorts(count: 1).first)

        let log = EventLog()
        // A client with the wrong key fails its handshake; the broker goes on serving others.
        let mallory = Self.client(port: port, key: NoiseKeyPair.generate().publicKey, name: "mallory", log: log)
        let alice = Self.client(port: port, key: key.publicKey, name: "alice", log: log)
        #expect(await log.waitFor(#"alice sees "alice""#), "\(log.all)")
        let bob = Self.client(port: port, key: key.publicKey, name: "bob", log: log)
        #expect(await log.waitFor(#"bob sees "alice""#), "\(log.all)")
        #expect(await log.waitFor(#"alice sees "bob""#), "\(log.all)")
        #expect(!log.all.contains { $0.contains("mallory") })
        for actor in [mallory, alice, bob] { actor.run { $0.stopActor() } }
        _ = broker
    }
}

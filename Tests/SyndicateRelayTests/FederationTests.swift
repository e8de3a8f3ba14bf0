import Foundation
import Logging
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer
import Testing
import TestSupport

/// Brokers federated over the protocol, on real loopback sockets: three `SyndicateBroker`s on
/// 127.0.0.1, 127.0.0.2 and 127.0.0.3, each configured (in its config language) with routes to
/// the other two, and clients of each broker that assert `<Present who>`, send `<Says who what>`
/// and record every delivery.
@Suite("federated brokers", .serialized)
struct FederationTests {
    static let worldRef: Sturdy.SturdyRef<Ref> = try! SturdyRefs.mint(oid: .string("world"), key: [])
    static let federationRef: Sturdy.SturdyRef<Ref> = try! SturdyRefs.mint(oid: .string("federation"), key: [])

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// One broker of a test federation: where it listens and the peers it has routes to.
    struct Member {
        let name: String
        let host: String
        let port: Int
        /// (peer name, host, port) of each route: the peer itself, or a proxy in front of it.
        var routes: [(String, String, Int)] = []

        /// The broker's config script: `$world` behind a sturdy ref, the federation service with
        /// a route to each peer, and its federation entity bound as `<ref {oid: "federation" …}>`.
        func config(mode: String) -> String {
            let sig = FederationTests.hex(FederationTests.federationRef.parameters.sig)
            let peers = routes.map { peer, host, port in
                #"<peer "\#(peer)" <route [<tcp "\#(host)" \#(port)>] <ref {oid: "federation" sig: #x"\#(sig)"}>>>"#
            }.joined(separator: "\n    ")
            return """
                let ?world = dataspace
                <bind <ref {oid: "world" key: #x""}> $world #f>
                <require-service <federation {name: "\(name)" dataspace: $world mode: \(mode) peers: [
                    \(peers)
                ]}>>
                ? <service-object <federation _> ?fed> <bind <ref {oid: "federation" key: #x""}> $fed #f>
                """
        }

        func start(mode: String, directory: URL) async throws -> SyndicateBroker {
            let file = directory.appendingPathComponent("\(name).pr")
            try config(mode: mode).write(to: file, atomically: true, encoding: .utf8)
            var options = ServerOptions()
            options.tcpAddresses = [TCPListenAddress(host: host, port: port)]
            options.configPaths = [file.path]
            var logger = Logger(label: "federation-test-\(name)")
            logger.logLevel = .warning
            let broker = await SyndicateBroker.start(options, logger: logger)
            #expect(await broker.failedListeners().isEmpty, "broker \(name) could not listen on \(host):\(port)")
            return broker
        }
    }

    /// What every client was told: current presence counts per (client, who), the most ever
    /// present at once, and message deliveries per (client, text).
    final class Deliveries: @unchecked Sendable {
        private let condition = NSCondition()
        private var present: [String: Int] = [:]
        private var most: [String: Int] = [:]
        private var messages: [String: Int] = [:]
        private var connected: Set<String> = []

        private func change(_ body: () -> Void) {
            condition.lock()
            body()
            condition.broadcast()
            condition.unlock()
        }

        func added(_ client: String, _ who: String) {
            change {
                let key = "\(client) sees \(who)"
                present[key, default: 0] += 1
                most[key] = max(most[key] ?? 0, present[key] ?? 0)
            }
        }

        func removed(_ client: String, _ who: String) {
            change { present["\(client) sees \(who)", default: 0] -= 1 }
        }

        func heard(_ client: String, _ text: String) {
            change { messages["\(client) heard \(text)", default: 0] += 1 }
        }

        func connected(_ client: String) {
            change { _ = connected.insert(client) }
        }

        struct Snapshot {
            let present: [String: Int]
            let most: [String: Int]
            let messages: [String: Int]
            let connected: Set<String>
            func sees(_ client: String, _ who: String) -> Bool { (present["\(client) sees \(who)"] ?? 0) > 0 }
            func heard(_ client: String, _ text: String) -> Int { messages["\(client) heard \(text)"] ?? 0 }
        }

        var snapshot: Snapshot {
            condition.lock()
            defer { condition.unlock() }
            return Snapshot(present: present, most: most, messages: messages, connected: connected)
        }

        /// Waits, on a thread of its own, until `condition` holds (true) or `timeout` passes (false).
        func wait(timeout: TimeInterval = 30, until predicate: @escaping @Sendable (Snapshot) -> Bool) async -> Bool {
            await withCheckedContinuation { continuation in
                Thread { [self] in
                    let deadline = Date(timeIntervalSinceNow: timeout)
                    condition.lock()
                    var holds = predicate(Snapshot(present: present, most: most, messages: messages, connected: connected))
                    while !holds && condition.wait(until: deadline) {
                        holds = predicate(Snapshot(present: present, most: most, messages: messages, connected: connected))
                    }
                    condition.unlock()
                    continuation.resume(returning: holds)
                }.start()
            }
        }
    }

    /// A client of one broker's `$world`: observes `<Present $who>` and `<Says $who $what>`,
    /// asserts and retracts `<Present …>` and sends `<Says …>` on request.
    final class Client: @unchecked Sendable {
        let name: String
        private(set) var actor: SyndicateActor!
        /// Touched only on the client's actor.
        private var world: Ref?
        private var handles: [String: Handle] = [:]

        init(_ name: String, host: String, port: Int, deliveries: Deliveries) {
            self.name = name
            actor = SyndicateActor.boot(name: "client-\(name)") { [self] turn in
                turn.connect(to: .tcp(host: host, port: port), sturdyRef: FederationTests.worldRef) { [self] turn, ds in
                    world = ds
                    turn.during(ds, Pattern.rec("Present", .bind())) { turn, captures in
                        let who = captures[0].string ?? "\(captures[0])"
                        deliveries.added(name, who)
                        turn.onStop { _ in deliveries.removed(name, who) }
                    }
                    turn.onMessage(ds, Pattern.rec("Says", .bind(), .bind())) { _, captures in
                        deliveries.heard(name, "\(captures[0].string ?? "?"): \(captures[1].string ?? "?")")
                    }
                    turn.sync(ds) { _ in deliveries.connected(name) }
                }
            }
        }

        func present(_ who: String) {
            actor.run { [self] turn in
                guard let world else { return }
                handles[who] = turn.assert(world, .record(Record(label: .symbol("Present"), fields: [.string(who)])))
            }
        }

        func absent(_ who: String) {
            actor.run { [self] turn in
                if let handle = handles.removeValue(forKey: who) { turn.retract(handle) }
            }
        }

        func say(_ what: String) {
            actor.run { [self] turn in
                guard let world else { return }
                turn.message(world, .record(Record(label: .symbol("Says"), fields: [.string(name), .string(what)])))
            }
        }

        func stop() { actor.run { $0.stopActor() } }
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("federation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Three loopback hosts, each with a port held for the test (a broker restarted on it
    /// finds it still free).
    static func threeHosts() throws -> [ReservedPort] {
        try ["127.0.0.1", "127.0.0.2", "127.0.0.3"].map { try ReservedPort(host: $0) }
    }

    /// Starts `members` in `mode` and a client of each (named `c` + the member's name), and waits
    /// until every client is connected.
    static func start(_ members: [Member], mode: String, directory: URL, log: Deliveries) async throws -> ([SyndicateBroker], [Client]) {
        var brokers: [SyndicateBroker] = []
        for member in members { brokers.append(try await member.start(mode: mode, directory: directory)) }
        let clients = members.map { Client("c" + $0.name, host: $0.host, port: $0.port, deliveries: log) }
        let names = clients.map(\.name)
        #expect(await log.wait { s in names.allSatisfy(s.connected.contains) })
        return (brokers, clients)
    }

    static func stop(_ clients: [Client], _ brokers: [SyndicateBroker]) async {
        for client in clients { client.stop() }
        for broker in brokers { await broker.shutdown() }
    }

    @Test("a full mesh of three brokers: assertions and messages cross, retractions follow, a killed broker's assertions go and come back on restart, a cut link heals; nothing is duplicated or echoed",
          .timeLimit(.minutes(3)))
    func threeBrokerMesh() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hosts = try Self.threeHosts()
        defer { withExtendedLifetime(hosts) {} }
        let ((hostA, portA), (hostB, portB), (hostC, portC)) = ((hosts[0].host, hosts[0].port), (hosts[1].host, hosts[1].port), (hosts[2].host, hosts[2].port))
        // A and B reach each other only through proxies the test can cut.
        let proxyPorts = try [ReservedPort(host: hostA), ReservedPort(host: hostB)]
        defer { withExtendedLifetime(proxyPorts) {} }
        let proxyToB = try CuttableTCPProxy(listenHost: hostA, listenPort: proxyPorts[0].port, targetHost: hostB, targetPort: portB)
        let proxyToA = try CuttableTCPProxy(listenHost: hostB, listenPort: proxyPorts[1].port, targetHost: hostA, targetPort: portA)
        defer {
            proxyToB.cut()
            proxyToA.cut()
        }
        let a = Member(name: "a", host: hostA, port: portA, routes: [("b", hostA, proxyToB.listenPort), ("c", hostC, portC)])
        let b = Member(name: "b", host: hostB, port: portB, routes: [("a", hostB, proxyToA.listenPort), ("c", hostC, portC)])
        let c = Member(name: "c", host: hostC, port: portC, routes: [("a", hostA, portA), ("b", hostB, portB)])
        let log = Deliveries()
        let (brokers, clients) = try await Self.start([a, b, c], mode: "mesh", directory: directory, log: log)
        let (brokerA, brokerC) = (brokers[0], brokers[2])
        var brokerB = brokers[1]
        let (ca, cc) = (clients[0], clients[2])
        var cb = clients[1]

        // Assertions cross every link.
        ca.present("a1")
        cb.present("b1")
        cc.present("c1")
        let everyoneSeesEveryone: @Sendable (Deliveries.Snapshot) -> Bool = { s in
            ["ca", "cb", "cc"].allSatisfy { client in ["a1", "b1", "c1"].allSatisfy { s.sees(client, $0) } }
        }
        #expect(await log.wait(until: everyoneSeesEveryone), "\(log.snapshot.present)")

        // Messages too, once each.
        cb.say("hello from b")
        cc.say("hello from c")
        #expect(await log.wait { s in
            ["ca", "cb", "cc"].allSatisfy { s.heard($0, "cb: hello from b") >= 1 && s.heard($0, "cc: hello from c") >= 1 }
        }, "\(log.snapshot.messages)")

        // A retraction at the origin disappears everywhere, and stays gone.
        cc.absent("c1")
        #expect(await log.wait { s in ["ca", "cb", "cc"].allSatisfy { !s.sees($0, "c1") } }, "\(log.snapshot.present)")

        // Killing B retracts its assertions at A and C.
        await brokerB.shutdown()
        #expect(await log.wait { s in !s.sees("ca", "b1") && !s.sees("cc", "b1") }, "\(log.snapshot.present)")
        #expect(log.snapshot.sees("ca", "a1") && log.snapshot.sees("cc", "a1"))

        // Restarting B (and its client) restores them; B's new client sees A's and C's.
        brokerB = try await b.start(mode: "mesh", directory: directory)
        cb = Client("cb2", host: hostB, port: portB, deliveries: log)
        #expect(await log.wait { $0.connected.contains("cb2") })
        cb.present("b2")
        cc.present("c2")
        #expect(await log.wait { s in
            ["ca", "cb2", "cc"].allSatisfy { client in ["a1", "b2", "c2"].allSatisfy { s.sees(client, $0) } }
        }, "\(log.snapshot.present)")

        // Cutting the A–B link mid-stream retracts B's assertions at A (and A's at B) but not at C;
        // restoring it brings them back.
        // The cut comes in the middle of a stream of messages from B's client.
        // (The cut waits until A has heard the stream's start, not for a fixed time: on a loaded
        // machine the first messages can take longer than any fixed pause.)
        let streamer = cb
        for i in 0..<20 {
            streamer.say("stream \(i)")
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(await log.wait { s in s.heard("ca", "cb2: stream 0") > 0 })
        let stream = Task.detached {
            for i in 20..<200 {
                streamer.say("stream \(i)")
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        proxyToB.cut()
        proxyToA.cut()
        await stream.value
        #expect(await log.wait { s in !s.sees("ca", "b2") && !s.sees("cb2", "a1") }, "\(log.snapshot.present)")
        // C's links were not cut: it heard the whole stream, once.
        #expect(await log.wait { s in (0..<200).allSatisfy { s.heard("cc", "cb2: stream \($0)") == 1 } })
        let heardAtA = (0..<200).filter { log.snapshot.heard("ca", "cb2: stream \($0)") > 0 }.count
        #expect(heardAtA > 0 && heardAtA < 200, "A heard \(heardAtA) of the 200 messages around the cut")
        #expect(log.snapshot.sees("cc", "b2") && log.snapshot.sees("cc", "a1"))
        try proxyToB.restore()
        try proxyToA.restore()
        #expect(await log.wait { s in s.sees("ca", "b2") && s.sees("cb2", "a1") }, "\(log.snapshot.present)")
        cb.say("after the cut")
        #expect(await log.wait { s in ["ca", "cb2", "cc"].allSatisfy { s.heard($0, "cb2: after the cut") >= 1 } }, "\(log.snapshot.messages)")

        // Retracting everything at the origins empties every client's view.
        ca.absent("a1")
        cb.absent("b2")
        cc.absent("c2")
        // (The first B client's views ended with its broker; the live clients are checked.)
        let live: @Sendable (String) -> Bool = { key in ["ca ", "cb2 ", "cc "].contains { key.hasPrefix($0) } }
        #expect(await log.wait { s in s.present.filter { live($0.key) }.values.allSatisfy { $0 == 0 } }, "\(log.snapshot.present)")

        // No duplicates and no echoes: nobody ever saw anything twice at once, every message was
        // heard exactly once, and nothing came back after a settling time.
        try await Task.sleep(for: .milliseconds(300))
        let final = log.snapshot
        #expect(final.most.values.allSatisfy { $0 == 1 }, "\(final.most)")
        #expect(final.present.filter { live($0.key) }.values.allSatisfy { $0 == 0 }, "\(final.present)")
        #expect(final.messages.values.allSatisfy { $0 == 1 }, "\(final.messages.filter { $0.value != 1 })")
        #expect(final.messages.keys.filter { !$0.contains("stream") }.count == 9, "\(final.messages.keys.filter { !$0.contains("stream") })")

        await Self.stop([ca, cb, cc], [brokerA, brokerB, brokerC])
    }

    @Test("a tree (a–b–c, in tree mode): interest passes through b, so a and c see each other's assertions and messages over two hops; killing b cuts them apart, restarting b joins them again; no echoes",
          .timeLimit(.minutes(2)))
    func threeBrokerChain() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hosts = try Self.threeHosts()
        defer { withExtendedLifetime(hosts) {} }
        let ((hostA, portA), (hostB, portB), (hostC, portC)) = ((hosts[0].host, hosts[0].port), (hosts[1].host, hosts[1].port), (hosts[2].host, hosts[2].port))
        let a = Member(name: "a", host: hostA, port: portA, routes: [("b", hostB, portB)])
        let b = Member(name: "b", host: hostB, port: portB, routes: [("a", hostA, portA), ("c", hostC, portC)])
        let c = Member(name: "c", host: hostC, port: portC, routes: [("b", hostB, portB)])
        let log = Deliveries()
        let (brokers, clients) = try await Self.start([a, b, c], mode: "tree", directory: directory, log: log)
        let (brokerA, brokerC) = (brokers[0], brokers[2])
        var brokerB = brokers[1]
        let (ca, cc) = (clients[0], clients[2])
        var cb = clients[1]
        ca.present("a1")
        cb.present("b1")
        cc.present("c1")
        #expect(await log.wait { s in
            ["ca", "cb", "cc"].allSatisfy { client in ["a1", "b1", "c1"].allSatisfy { s.sees(client, $0) } }
        }, "\(log.snapshot.present)")
        cc.say("two hops")
        ca.say("back again")
        #expect(await log.wait { s in
            ["ca", "cb", "cc"].allSatisfy { s.heard($0, "cc: two hops") == 1 && s.heard($0, "ca: back again") == 1 }
        }, "\(log.snapshot.messages)")

        // Without b, a and c have no path to each other.
        await brokerB.shutdown()
        #expect(await log.wait { s in !s.sees("ca", "c1") && !s.sees("cc", "a1") && !s.sees("ca", "b1") }, "\(log.snapshot.present)")
        brokerB = try await b.start(mode: "tree", directory: directory)
        cb = Client("cb2", host: hostB, port: portB, deliveries: log)
        #expect(await log.wait { s in s.sees("ca", "c1") && s.sees("cc", "a1") && s.connected.contains("cb2") }, "\(log.snapshot.present)")

        // Retracted at the origin, gone everywhere, and nothing ever seen twice.
        cc.absent("c1")
        ca.absent("a1")
        let live: @Sendable (String) -> Bool = { key in ["ca ", "cb2 ", "cc "].contains { key.hasPrefix($0) } }
        #expect(await log.wait { s in s.present.filter { live($0.key) }.values.allSatisfy { $0 == 0 } }, "\(log.snapshot.present)")
        try await Task.sleep(for: .milliseconds(300))
        let final = log.snapshot
        #expect(final.present.filter { live($0.key) }.values.allSatisfy { $0 == 0 }, "\(final.present)")
        #expect(final.most.values.allSatisfy { $0 == 1 }, "\(final.most)")
        #expect(final.messages.values.allSatisfy { $0 == 1 }, "\(final.messages)")

        await Self.stop([ca, cb, cc], [brokerA, brokerB, brokerC])
    }

    @Test("the README's federation config (broker a of a mesh) runs as written, with b and c beside it",
          .timeLimit(.minutes(2)))
    func readmeFederationConfig() async throws {
        let block = try #require(try ReadmeBlock.all().first { $0.language.isEmpty && $0.lines.first == "# federation/a.pr" },
                                 "README.md has no ``` block starting with `# federation/a.pr`")
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.pr")
        try block.text.write(to: file, atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.configPaths = [file.path]
        var logger = Logger(label: "federation-test-readme")
        logger.logLevel = .warning
        let brokerA = await SyndicateBroker.start(options, logger: logger)
        #expect(try await brokerA.listeningPorts(count: 1) == [9101])
        let b = Member(name: "b", host: "127.0.0.2", port: 9101, routes: [("a", "127.0.0.1", 9101), ("c", "127.0.0.3", 9101)])
        let c = Member(name: "c", host: "127.0.0.3", port: 9101, routes: [("a", "127.0.0.1", 9101), ("b", "127.0.0.2", 9101)])
        let log = Deliveries()
        let (others, peerClients) = try await Self.start([b, c], mode: "mesh", directory: directory, log: log)
        let clients = [Client("ca", host: "127.0.0.1", port: 9101, deliveries: log)] + peerClients
        #expect(await log.wait { $0.connected.contains("ca") })
        for client in clients { client.present(client.name) }
        #expect(await log.wait { s in
            ["ca", "cb", "cc"].allSatisfy { client in ["ca", "cb", "cc"].allSatisfy { s.sees(client, $0) } }
        }, "\(log.snapshot.present)")
        #expect(log.snapshot.most.values.allSatisfy { $0 == 1 })

        await Self.stop(clients, [brokerA] + others)
    }

    @Test("federation links through a noise step: each broker binds its federation entity under its own Noise key, and the peers' routes name it",
          .timeLimit(.minutes(2)))
    func federationOverNoise() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (hostA, hostB) = ("127.0.0.1", "127.0.0.2")
        let held = try [ReservedPort(host: hostA), ReservedPort(host: hostB)]
        defer { withExtendedLifetime(held) {} }
        let (portA, portB) = (held[0].port, held[1].port)
        let (keyA, keyB) = (NoiseKeyPair.generate(), NoiseKeyPair.generate())
        func config(name: String, own: NoiseKeyPair, peer: String, host: String, port: Int, key: NoiseKeyPair) -> String {
            """
            let ?world = dataspace
            <bind <ref {oid: "world" key: #x""}> $world #f>
            <require-service <federation {name: "\(name)" dataspace: $world mode: mesh peers: [
              <peer "\(peer)" <route [<tcp "\(host)" \(port)>] <noise {service: federation key: #x"\(Self.hex(key.publicKey))"}>>>
            ]}>>
            ? <service-object <federation _> ?fed> [
              <bind <noise {service: federation key: #x"\(Self.hex(own.publicKey))" secretKey: #x"\(Self.hex(own.secretKey))"}> $fed #f>
            ]
            """
        }
        var brokers: [SyndicateBroker] = []
        for (name, host, port, own, peer, peerHost, peerPort, peerKey) in [
            ("a", hostA, portA, keyA, "b", hostB, portB, keyB), ("b", hostB, portB, keyB, "a", hostA, portA, keyA),
        ] {
            let file = directory.appendingPathComponent("\(name).pr")
            try config(name: name, own: own, peer: peer, host: peerHost, port: peerPort, key: peerKey).write(to: file, atomically: true, encoding: .utf8)
            var options = ServerOptions()
            options.tcpAddresses = [TCPListenAddress(host: host, port: port)]
            options.configPaths = [file.path]
            var logger = Logger(label: "federation-test-noise-\(name)")
            logger.logLevel = .warning
            let broker = await SyndicateBroker.start(options, logger: logger)
            #expect(await broker.failedListeners().isEmpty)
            brokers.append(broker)
        }
        let log = Deliveries()
        let ca = Client("ca", host: hostA, port: portA, deliveries: log)
        let cb = Client("cb", host: hostB, port: portB, deliveries: log)
        #expect(await log.wait { ["ca", "cb"].allSatisfy($0.connected.contains) })
        ca.present("a1")
        cb.present("b1")
        #expect(await log.wait { s in s.sees("ca", "b1") && s.sees("cb", "a1") }, "\(log.snapshot.present)")
        cb.say("through noise")
        #expect(await log.wait { s in s.heard("ca", "cb: through noise") == 1 }, "\(log.snapshot.messages)")
        ca.stop()
        cb.stop()
        for broker in brokers { await broker.shutdown() }
    }
}

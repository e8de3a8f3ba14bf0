import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer
import TestSupport
import Testing

/// The Swift broker against the real Python peer (syndicate-py 0.19.3), over loopback TCP.
@Suite("Interop with syndicate-py 0.19.3", .serialized)
struct PythonInteropTests {
    static func startBroker() async throws -> (SyndicateBroker, String) {
        var options = ServerOptions()
        options.ports = [0]
        let broker = await SyndicateBroker.start(options)
        let port = try #require(try await broker.listeningPorts(count: 1).first)
        return (broker, "<tcp \"127.0.0.1\" \(port)>")
    }

    @Test("two Python clients see each other's assertions and messages, and a killed client's retraction")
    func twoPythonClients() async throws {
        let (_, address) = try await Self.startBroker()
        let bob = try await PythonPeer.chat(name: "bob", address: address)
        #expect(await bob.waitFor("CONNECTED"))
        #expect(await bob.waitFor("PRESENT bob"))
        let alice = try await PythonPeer.chat(name: "alice", address: address)
        #expect(await alice.waitFor("PRESENT bob"))
        #expect(await bob.waitFor("PRESENT alice"))
        alice.send("say hello from alice")
        #expect(await bob.waitFor("SAYS alice hello from alice"))
        #expect(await alice.waitFor("SAYS alice hello from alice"))
        bob.send("say hi alice")
        #expect(await alice.waitFor("SAYS bob hi alice"))
        alice.kill()
        #expect(await bob.waitFor("ABSENT alice"))
        bob.send("quit")
        #expect(await bob.exitStatus() == 0)
    }

    @Test("a Python client with a forged sturdy ref is rejected and gets no dataspace")
    func forgedRefRejected() async throws {
        let (_, address) = try await Self.startBroker()
        let watcher = try await PythonPeer.chat(name: "watcher", address: address)
        #expect(await watcher.waitFor("PRESENT watcher"))
        let forged = #"<ref {oid: "syndicate" sig: #x"00ca300c1dbfa08fba692102dd82311a"}>"#
        let eve = try await PythonPeer.chat(name: "eve", address: address, ref: forged)
        #expect(await eve.waitForLine { $0.hasPrefix("REJECTED") } != nil)
        #expect(await eve.exitStatus() == 3)
        #expect(!eve.transcript.contains("CONNECTED"))
        #expect(!watcher.transcript.contains("PRESENT eve"))
        watcher.send("quit")
    }

    @Test("a Swift client and a Python client talk through the broker in both directions")
    func swiftAndPython() async throws {
        let (_, address) = try await Self.startBroker()
        let log = EventLog()
        let port = try #require(try RelayAddress(parsing: address)).tcpPort
        let swiftClient = SyndicateActor.boot(name: "swift-client") { turn in
            turn.connect(to: .tcp(host: "127.0.0.1", port: port), sturdyRef: .wellKnownSyndicate) { turn, ds in
                turn.assert(ds, .record(Record(label: .symbol("Present"), fields: [.string("swift")])))
                turn.during(ds, Pattern.rec("Present", Pattern.bind())) { turn, captures in
                    let who = captures[0].string ?? "?"
                    log.record("PRESENT \(who)")
                    turn.onStop { _ in log.record("ABSENT \(who)") }
                }
                turn.onMessage(ds, Pattern.rec("Says", Pattern.bind(), Pattern.bind())) { turn, captures in
                    let who = captures[0].string ?? "?"
                    let what = captures[1].string ?? "?"
                    log.record("SAYS \(who) \(what)")
                    if what == "ping from python" {
                        turn.message(ds, .record(Record(label: .symbol("Says"), fields: [.string("swift"), .string("pong from swift")])))
                    }
                }
            }
        }
        let python = try await PythonPeer.chat(name: "py", address: address)
        #expect(await python.waitFor("PRESENT swift"))
        #expect(await log.waitFor("PRESENT py"))
        python.send("say ping from python")
        #expect(await log.waitFor("SAYS py ping from python"))
        #expect(await python.waitFor("SAYS swift pong from swift"))
        python.send("quit")
        #expect(await log.waitFor("ABSENT py"))
        swiftClient.run { $0.stopActor() }
        _ = await swiftClient.terminated()
    }
}

extension RelayAddress {
    var tcpPort: Int {
        if case .tcp(_, let port) = self { return port }
        return -1
    }
}

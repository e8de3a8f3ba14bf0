import Preserves
import Syndicate
import SyndicateProtocols
import Testing
import TestSupport

/// The typed face of `Turn`: schema values asserted and sent, observers receiving decoded
/// values, and what happens to matches that do not decode.
@Suite struct TypedTurnTests {
    typealias Tcp = TransportAddress.Tcp

    @Test func duringReceivesDecodedValuesAndSkipsOnesThatDoNotDecode() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        SyndicateActor.boot(name: "observer") { turn in
            turn.during(ds, ValuePattern(of: Tcp.self)) { turn, address in
                recorder.add("+\(address.host):\(address.port)")
                turn.onStop { _ in recorder.add("-\(address.host):\(address.port)") }
            }
        }
        SyndicateActor.boot(name: "asserter") { turn in
            // Matches the pattern <tcp _ _> … but is no Tcp: skipped, its retraction too.
            let bad = turn.assert(ds, .record("tcp", 1, 2))
            let good = turn.assert(ds, Tcp(host: "a", port: 1))
            turn.after(.milliseconds(20)) { turn in
                turn.retract(bad)
                turn.retract(good)
                turn.assert(ds, Tcp(host: "done", port: 0))
            }
        }
        #expect(await recorder.wait { $0.contains("+done:0") })
        #expect(recorder.snapshot == ["+a:1", "-a:1", "+done:0"])
    }

    @Test func onMessageAndOnAssertionAreTyped() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        let ready = Box<Bool>()
        SyndicateActor.boot(name: "observer") { turn in
            turn.onMessage(ds, ValuePattern(of: Tcp.self, matching: .rec("tcp", .lit("x")))) { _, address in
                recorder.add("message \(address.port)")
            }
            turn.onAssertion(
                ds, ValuePattern(of: Tcp.self),
                onAssert: { _, address, _ in recorder.add("assert \(address.host)") },
                onRetract: { _, address, _ in recorder.add("retract \(address.host)") })
            turn.sync(ds) { _ in ready.set(true) }
        }
        _ = try await ready.get()
        SyndicateActor.boot(name: "sender") { turn in
            turn.message(ds, Tcp(host: "y", port: 1))  // filtered out by the literal
            turn.message(ds, Tcp(host: "x", port: 2))
            turn.message(ds, .record("tcp", "x", "not a port"))  // skipped
            let h = turn.assert(ds, Tcp(host: "held", port: 3))
            turn.later { turn in
                turn.retract(h)
                turn.message(ds, Tcp(host: "x", port: 4))
            }
        }
        #expect(await recorder.wait { $0.contains("message 4") })
        #expect(recorder.snapshot == ["message 2", "assert held", "retract held", "message 4"])
    }

    @Test func untypedPatternsAreObservationsOfTheirCaptures() {
        let pattern = Pattern.rec("Says", .bind(), .discard)
        #expect(pattern.decode(["alice"]) == ["alice"])
        #expect(Pattern.arr([.bind(), .bind()]) == Pattern.arr(.bind(), .bind()))
    }
}

import FixtureSchemas
import Foundation
import Preserves
import Synchronization
import Syndicate
import SyndicateProtocols

/// What the observer saw, shared with the thread that waits for it.
final class Seen: Sendable {
    private let state = Mutex<(said: [Chat.Says], rejected: Int)>(([], 0))

    func add(_ says: Chat.Says) { state.withLock { $0.said.append(says) } }
    func reject() { state.withLock { $0.rejected += 1 } }
    var snapshot: (said: [Chat.Says], rejected: Int) { state.withLock { $0 } }
}

/// Observes `Says` records whose speaker is a `Person` named "alice" through an in-process
/// dataspace, with the patterns the plugin generated, and decodes them back into `Chat.Says`.
/// Returns what went wrong.
func dataspaceCheck() -> [String] {
    let seen = Seen()
    let alice: DataspacePatterns.TypedPattern<Ref, Chat.Says> =
        Chat.Says.pattern(who: .pattern(Chat.Person.pattern(name: .literal("alice"))))
    let aliceSays = Chat.Says(who: Chat.Person(name: "alice", age: 30), what: "hello")
    let bobSays = Chat.Says(who: Chat.Person(name: "bob", age: 40), what: "hi")
    SyndicateActor.boot(name: "chat") { turn in
        let ds = turn.createDataspace()
        turn.during(ds, alice.pattern) { _, captures in
            do {
                seen.add(try alice.decode(captures))
            } catch {
                seen.reject()
            }
        }
        turn.assert(ds, aliceSays.preserves(as: Ref.self))
        turn.assert(ds, bobSays.preserves(as: Ref.self))
        // Both match the (open) pattern but are not valid Says: decoding rejects them.
        turn.assert(ds, .record("Says", .record("person", "alice", "thirty"), "bad age"))
        turn.assert(ds, .record("Says", .record("person", "alice", 30), 42))
    }
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline, seen.snapshot.said.isEmpty || seen.snapshot.rejected < 2 {
        Thread.sleep(forTimeInterval: 0.01)
    }
    Thread.sleep(forTimeInterval: 0.05)
    let (said, rejected) = seen.snapshot
    var failures: [String] = []
    if said != [aliceSays] { failures.append("dataspace: observed \(said), not alice's Says") }
    if rejected != 2 { failures.append("dataspace: \(rejected) values rejected by decoding, not 2") }
    return failures
}

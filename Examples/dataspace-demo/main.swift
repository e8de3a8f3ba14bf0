// A dataspace shared by three actors: two announce themselves and say hello, one watches.
//
//     swift run dataspace-demo
import Preserves
import Syndicate

let watcher = SyndicateActor.boot(name: "watcher") { turn in
    let ds = turn.createDataspace()

    // While a <Present name> assertion exists, this facet runs; its retraction stops it.
    turn.during(ds, Pattern.rec("Present", Pattern.bind())) { turn, captures in
        print("\(captures[0]) arrived")
        turn.onStop { _ in print("\(captures[0]) left") }
    }
    // Every <Says who what> message.
    turn.onMessage(ds, Pattern.rec("Says", Pattern.bind(), Pattern.bind())) { _, captures in
        print("\(captures[0]) says \(captures[1])")
    }

    for name in ["alice", "bob"] {
        turn.spawn(name: name) { turn in
            turn.assert(ds, .record("Present", .string(name)))
            turn.message(ds, .record("Says", .string(name), "hello"))
            // Stopping the actor retracts its assertions: the watcher sees them leave.
            turn.after(.milliseconds(100)) { $0.stopActor() }
        }
    }
    turn.after(.milliseconds(300)) { $0.stopActor() }
}

print("watcher ended: \(await watcher.terminated())")

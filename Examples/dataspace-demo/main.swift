// A dataspace shared by three actors: two announce themselves and say hello, one watches.
//
//     swift run dataspace-demo
import Preserves
import Syndicate

let watcher = SyndicateActor.boot(name: "watcher") { turn in
    let ds = turn.createDataspace()

    // While a <Present name> assertion exists, this facet runs; its retraction stops it.
    turn.during(ds, Demo.Present.pattern()) { turn, present in
        print("\(present.who) arrived")
        turn.onStop { _ in print("\(present.who) left") }
    }
    // Every <Says who what> message.
    turn.onMessage(ds, Demo.Says.pattern()) { _, says in
        print("\(says.who) says \(says.what)")
    }

    for name in ["alice", "bob"] {
        turn.spawn(name: name) { turn in
            turn.assert(ds, Demo.Present(who: name))
            turn.message(ds, Demo.Says(who: name, what: "hello"))
            // Stopping the actor retracts its assertions: the watcher sees them leave.
            turn.after(.milliseconds(100)) { $0.stopActor() }
        }
    }
    turn.after(.milliseconds(300)) { $0.stopActor() }
}

print("watcher ended: \(await watcher.terminated())")

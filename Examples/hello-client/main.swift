// A client of the broker: connects, resolves the well-known sturdy ref, asserts <Present "swift">,
// waits to see its own assertion come back from the dataspace, then leaves (exit status 0).
//
//     swift run syndicate-server -p 9001 &
//     swift run hello-client [PORT]
import Foundation
import Preserves
import Syndicate
import SyndicateNIO

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 9001

let client = SyndicateActor.boot(name: "hello") { turn in
    turn.connect(to: .tcp(host: "127.0.0.1", port: port), sturdyRef: .wellKnownSyndicate) { turn, ds in
        turn.assert(ds, .record("Present", "swift"))
        turn.during(ds, Pattern.rec("Present", Pattern.bind())) { turn, captures in
            print("present: \(captures[0])")
            if captures[0] == "swift" { turn.stopActor() }
        }
    }
    turn.after(.seconds(10)) { turn in try turn.fail("no answer from the broker within 10 s") }
}

let status = await client.terminated()
print("hello-client: \(status)")
exit(status == .normal ? 0 : 1)

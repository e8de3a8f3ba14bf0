// Fuzzes syndicate-server's configuration language: ConfigScript.parse (ScriptParser), then
// runs every script that parses (ScriptInterpreter) in an actor whose turns run on this
// thread, one after another, so a run is deterministic and needs no waiting.
//
// Oracles:
// - parse errors name the file and a line and column inside the text;
// - parsing with the environment's names declared agrees with parsing without: it succeeds
//   exactly when the script needs no other names;
// - a script run with every variable it needs bound to a dataspace does not crash the actor
//   runtime (it may fail its turn), and once the actor is stopped, nothing is left to run;
// - and with LeakSanitizer, once its facet and then its actor have stopped, the script has
//   left nothing allocated behind.

#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import Preserves
import Syndicate
import SyndicateServerScript

/// This thread's CPU time in seconds.
func cpuTime() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Runs actors' turns on the fuzzing thread, in order, when asked.
final class InlineExecutor: ActorExecutor, @unchecked Sendable {
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var running = false

    func execute(_ work: @escaping @Sendable () -> Void) { queue.append(work) }

    var isCurrent: Bool { running }

    var isIdle: Bool { head == queue.count }

    /// Runs queued work (including work it queues) until none is left, `budget` items ran,
    /// or `seconds` of CPU time passed.
    func drain(budget: Int, seconds: Double = 0.25) {
        running = true
        defer { running = false }
        var ran = 0
        let started = cpuTime()
        while head < queue.count && ran < budget && cpuTime() - started < seconds {
            let work = queue[head]
            head += 1
            ran += 1
            work()
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// Forgets whatever is still queued.
    func reset() {
        queue.removeAll()
        head = 0
    }
}

/// The script's facet, handed out of the boot turn.
final class FacetBox: @unchecked Sendable {
    var id: FacetID?
}

let file = "fuzz.pr"
let executor = InlineExecutor()

func lineCount(_ text: String) -> Int { 1 + text.utf8.count { $0 == UInt8(ascii: "\n") } }

func checkError(_ error: ConfigScriptError, _ text: String) {
    check(error.file == file, "error names file \(error.file)")
    check(error.line >= 1 && error.line <= lineCount(text) && error.column >= 1,
          "error at \(error.line):\(error.column) is outside the text: \(error)")
    check(error.description.hasPrefix("\(file):\(error.line):\(error.column): "), "badly formed error \(error)")
}

runFuzzer { data in
    let text = String(decoding: data, as: UTF8.self)
    let script: ConfigScript
    do throws(ConfigScriptError) {
        script = try ConfigScript.parse(text, file: file)
    } catch {
        checkError(error, text)
        return
    }

    let required = script.requiredVariables
    check(Set(required).count == required.count, "required variables listed twice: \(required)")
    let declared: Set<String> = ["config", "gatekeeper", "log"]
    do throws(ConfigScriptError) {
        _ = try ConfigScript.parse(text, file: file, environmentNames: declared)
        check(Set(required).isSubset(of: declared), "parsed with names \(declared) although it needs \(required)")
    } catch {
        checkError(error, text)
        check(!Set(required).isSubset(of: declared), "needs only \(required) but failed with names \(declared): \(error)")
    }

    let scriptFacet = FacetBox()
    let actor = SyndicateActor.boot(name: "fuzz", executor: executor) { turn in
        var environment: [String: AnyValue] = [:]
        for name in required { environment[name] = .embedded(turn.createDataspace()) }
        scriptFacet.id = turn.facet { turn in
            _ = turn.preventInertCheck()
            // A script that fails at run time (a `let` that does not match, a target that is
            // not a capability, …) is fine: that is the script's error.
            try? script.run(turn, environment: environment)
        }
    }
    // A script may keep itself busy forever (a message handler that sends what it handles,
    // or `? ?x <$.>`, which asserts ever larger values where it observes): run a bounded
    // number of turns for a bounded time. Then stop the script's facet, as the server does
    // when its file changes or goes away (which withdraws everything the script asserted), and
    // then the actor; neither may take long.
    executor.drain(budget: 2000)
    if let id = scriptFacet.id { actor.run { $0.stop(id) } }
    executor.drain(budget: 2000)
    actor.run { $0.stopActor() }
    executor.drain(budget: 100_000, seconds: 5)
    check(executor.isIdle, "work still queued after the actor stopped")
    check(actor.exitStatus != nil, "the actor did not stop")
    executor.reset()
}

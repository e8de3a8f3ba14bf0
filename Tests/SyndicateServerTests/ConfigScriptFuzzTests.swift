import Preserves
import Syndicate
import SyndicateServer
import Testing
import TestSupport

/// Random mutations of the canonical script must never crash or hang the parser or the
/// interpreter: they either parse and run, or fail with a positioned error.
@Suite struct ConfigScriptFuzzTests {
    static let pieces: [String] = [
        "<", ">", "[", "]", "{", "}", "?", "??", "?-", "$", "$.", "_", "=", "=~", "!", "+=", "let", "#x\"\"",
        "\"", " ", "\n", ":", "<* $config [<reject _>]>", "dataspace", "facet", "stringify", "join", "#f", "1",
        "?x", "$x", "<?x _>", "#:", "@", ";", "#", "\\", "é", "timestamp", "$root_ds", "$config", "?who",
    ]

    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<(1 + rng.below(3)) {
            let at = rng.below(scalars.count + 1)
            switch rng.below(3) {
            case 0 where !scalars.isEmpty:
                let end = min(scalars.count, at + 1 + rng.below(6))
                if at < end { scalars.removeSubrange(at..<end) }
            case 1:
                scalars.insert(contentsOf: rng.pick(pieces).unicodeScalars, at: at)
            default:
                if at < scalars.count {
                    scalars.replaceSubrange(at...at, with: rng.pick(pieces).unicodeScalars)
                }
            }
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        // One prefix per line: the text reader finds each value's column by counting from
        // the start of its line, so thousands of values on one line would only be slow.
        for prefix in ["?-\n", "$config\n", "? _\n", "?? <m ?x>\n"] {
            let deep = String(repeating: prefix, count: 5000) + "<x>"
            #expect(throws: ConfigScriptError.self) { try ConfigScript.parse(deep, file: "deep.pr") }
            let fine = String(repeating: prefix, count: 100) + "<x>"
            #expect(throws: Never.self) { try ConfigScript.parse(fine, file: "fine.pr") }
        }
        for expression in ["stringify\n", "join \"\"\n"] {
            let deep = "let ?x = " + String(repeating: expression, count: 5000) + "1"
            #expect(throws: ConfigScriptError.self) { try ConfigScript.parse(deep, file: "deep.pr") }
        }
        let blocks = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: ConfigScriptError.self) { try ConfigScript.parse(blocks, file: "deep.pr") }
        let values = "<a " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + ">"
        #expect(throws: ConfigScriptError.self) { try ConfigScript.parse(values, file: "deep.pr") }
    }

    @Test func mutatedScriptsParseOrFailCleanly() throws {
        var rng = SplitMix64(seed: 0x5C21_97)
        var parsed = 0
        for _ in 0..<3000 {
            let text = Self.mutate(ConfigScriptBehaviourTests.canonical, &rng)
            do {
                _ = try ConfigScript.parse(text, file: "fuzz.pr")
                parsed += 1
            } catch {
                #expect(error.line >= 1 && error.column >= 1, "\(text)")
                #expect(error.description.hasPrefix("fuzz.pr:"))
            }
        }
        #expect(parsed > 0)
    }

    @Test func mutatedScriptsRunOrFailCleanly() async throws {
        var rng = SplitMix64(seed: 42)
        var runs = 0
        var attempts = 0
        while runs < 150 && attempts < 5000 {
            attempts += 1
            let text = Self.mutate(ConfigScriptBehaviourTests.canonical, &rng)
            guard let script = try? ConfigScript.parse(text, file: "fuzz.pr") else { continue }
            runs += 1
            let done = ScriptBox<Bool>()
            let actor = SyndicateActor.boot(name: "fuzz") { turn in
                var environment: [String: AnyValue] = [:]
                for name in ["config", "gatekeeper", "log", "root_ds", "x"] {
                    environment[name] = .embedded(turn.createDataspace())
                }
                let sink = turn.createDataspace()
                turn.facet { turn in
                    _ = turn.preventInertCheck()
                    try? script.run(turn, environment: environment)
                }
                // Let whatever the script set off happen, then finish.
                turn.sync(sink) { turn in
                    done.set(true)
                    turn.stopActor()
                }
            }
            // A runtime error in a handler fails the actor, which is fine: either way it ends.
            let deadline = ContinuousClock.now + .seconds(10)
            while done.current == nil && actor.exitStatus == nil && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(done.current != nil || actor.exitStatus != nil, "\(text) did not finish")
            actor.run { $0.stopActor() }
            _ = await actor.terminated()
        }
        #expect(runs > 0)
    }
}

import Preserves
import Syndicate
import SyndicateServer
import Testing

/// Bad scripts are rejected with `file:line:column: message`.
@Suite struct ConfigScriptErrorTests {
    /// The parse error for `text`, or `nil` if it parsed.
    func parseError(_ text: String, environment: Set<String>? = nil) -> ConfigScriptError? {
        do {
            if let environment {
                _ = try ConfigScript.parse(text, file: "bad.pr", environmentNames: environment)
            } else {
                _ = try ConfigScript.parse(text, file: "bad.pr")
            }
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        // (script, line, column, part of the message)
        ("<a 1\n", 2, 1, "syntax error"),
        ("<ok>\n  \"just a string\"", 2, 3, "unknown instruction form"),
        ("<ok>\nfrobnicate <x>", 2, 1, "unknown instruction frobnicate"),
        ("? <_ ?x> <y $x>", 1, 4, "literal label"),
        ("? <?x ?y ?z> <w>", 1, 3, "one pattern"),
        ("? <a ?x ?x> <w>", 1, 9, "captured twice"),
        ("<r ?x>", 1, 4, "only allowed in patterns"),
        ("<r _>", 1, 4, "only allowed in patterns"),
        ("<ok>\n!", 2, 1, "expected a message"),
        ("$config", 1, 1, "expected an instruction after $config"),
        ("let ?d = <* $config <reject _>>", 1, 21, "malformed attenuation"),
        ("let ?d = <* $config>", 1, 10, "malformed attenuation"),
        ("let ?d = <* $config [<frob _>]>", 1, 22, "malformed caveat"),
        ("let ?d = <* $config [<or <accept _>>]>", 1, 22, "malformed caveat"),
        ("let ?x 1", 1, 8, "expected ="),
        ("let ?x =", 1, 8, "expected an expression"),
        ("=~ <x> <y>", 1, 1, "=~ must follow"),
        ("? #{1} <y>", 1, 3, "sets cannot be matched"),
        ("? <a ?x>", 1, 1, "expected an instruction after the ? pattern"),
        ("?-", 1, 1, "expected an instruction after ?-"),
        ("let ?a = #:1", 1, 10, "syntax error"),
    ])
    func parseErrorsArePositioned(_ text: String, _ line: Int, _ column: Int, _ fragment: String) throws {
        let error = try #require(parseError(text), "\(text) should not parse")
        #expect(error.file == "bad.pr")
        #expect(error.line == line && error.column == column, "\(error)")
        #expect(error.message.contains(fragment), "\(error)")
        #expect(error.description == "bad.pr:\(error.line):\(error.column): \(error.message)")
    }

    @Test func unboundVariablesAreFoundAtParseTimeWhenTheEnvironmentIsKnown() throws {
        let error = try #require(parseError("<a $config>\n<b $nope>", environment: ["config"]))
        #expect(error.description.hasPrefix("bad.pr:2:4: unbound variable $nope"), "\(error)")
        // Bound by the script, or by a pattern, is fine.
        #expect(parseError("let ?x = 1 <a $x> ? <p ?y> <q $y>", environment: ["config"]) == nil)
        // Captures are visible only in the body.
        let leaked = try #require(parseError("? <p ?y> <q $y>\n<r $y>", environment: ["config"]))
        #expect(leaked.line == 2 && leaked.column == 4, "\(leaked)")
        // The default target is a variable too.
        let noConfig = try #require(parseError("$log <a>\n<b>", environment: ["log"]))
        #expect(noConfig.line == 2 && noConfig.column == 1 && noConfig.message.contains("$config"), "\(noConfig)")
    }

    @Test func requiredVariablesAreListed() throws {
        let script = try ConfigScript.parse(ConfigScriptBehaviourTests.canonical, file: "main.pr")
        #expect(script.requiredVariables == ["config", "gatekeeper", "log"])
        _ = try ConfigScript.parse(ConfigScriptBehaviourTests.canonical, file: "main.pr", environmentNames: ["config", "gatekeeper", "log"])
    }

    @Test func unboundVariableAtRunTimeIsPositioned() async throws {
        do {
            _ = try await ScriptWorld.start("<ok>\n  $elsewhere <x>", file: "run.pr")
            Issue.record("expected the script to fail")
        } catch let failure as ScriptRunFailure {
            let error = try #require(failure.error)
            #expect(error.description == "run.pr:2:3: unbound variable $elsewhere")
        }
    }

    @Test func nonCapabilityTargetIsPositioned() async throws {
        do {
            _ = try await ScriptWorld.start("let ?n = 5\n$n <x>", file: "run.pr")
            Issue.record("expected the script to fail")
        } catch let failure as ScriptRunFailure {
            let error = try #require(failure.error)
            #expect(error.line == 2 && error.column == 1 && error.message.contains("not a capability"), "\(error)")
        }
    }

    @Test func badAttenuationTargetAtRunTime() async throws {
        do {
            _ = try await ScriptWorld.start("let ?n = 5\nlet ?c = <* $n [<accept _>]>", file: "run.pr")
            Issue.record("expected the script to fail")
        } catch let failure as ScriptRunFailure {
            let error = try #require(failure.error)
            #expect(error.line == 2 && error.column == 10 && error.message.contains("not a capability"), "\(error)")
        }
    }
}

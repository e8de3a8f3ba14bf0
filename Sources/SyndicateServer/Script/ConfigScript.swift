import Preserves
import Syndicate

/// A parsed configuration script for the server, in the language of syndicate-rs's
/// `syndicate-server` scripts.
///
/// A script is a sequence of Preserves values read as instructions:
///
/// ```
/// let ?root_ds = dataspace
/// <require-service <relay-listener <tcp "0.0.0.0" 9001> $gatekeeper>>
/// <bind <ref { oid: "syndicate" key: #x"" }> $root_ds #f>
/// $root_ds ? <Present ?who> [ $config <seen $who> ]
/// $root_ds ?? <Says ?who ?what> $log ! <log-said $who $what>
/// ```
///
/// | form | meaning |
/// |---|---|
/// | `<record …>`, `{…}` | assert the value at the current target while the facet lives |
/// | `+= VALUE` | assert any value |
/// | `! VALUE` | send a message to the current target |
/// | `$var INSTR` | run `INSTR` with `$var` as the target (the default target is `$config`); bodies of `?`, `??`, `?-` and blocks inside `INSTR` inherit it |
/// | `[INSTR …]` | a block; `let` bindings last until its end |
/// | `? PATTERN INSTR` | while an assertion at the target matches, run `INSTR` in a facet of its own |
/// | `?? PATTERN INSTR` | for each matching message at the target, run `INSTR` in a new facet |
/// | `?- INSTR` | run `INSTR` when the current facet stops |
/// | `let PATTERN = EXPR` | bind the captures of `PATTERN` against the value (an error if it does not match) |
/// | `$v =~ PATTERN INSTR REST…` | if `$v` matches, bind and run `INSTR`; otherwise run the rest of the block |
///
/// Expressions (after `let … =`): `dataspace`, `timestamp` (RFC 3339), `scriptdir` (the script's
/// directory), `facet` (a capability
/// whose message `stop` stops the current facet), `stringify EXPR`, `join SEP PIECES`,
/// `<* $cap [CAVEAT …]>` (attenuation: `<or [RW …]>`, `<reject P>`, `<accept P>`,
/// `<rewrite P T>`), or a template.
///
/// In templates and patterns, `$name` is a variable's value, `$.` a dictionary of every
/// binding, `=sym` the symbol `sym`; in patterns, `_` discards, `?name` captures, and
/// `<?name P>` captures what `P` matches. Other symbols are literal.
public struct ConfigScript: Sendable {
    /// The name the script was parsed under.
    public let file: String
    /// The script as one block.
    let program: ScriptInstruction
    /// The variables the script uses without binding them, which its environment must supply.
    let freeVariables: [ScriptVariable]

    /// The names of the variables the environment must supply to ``run(_:environment:)``
    /// (`config` if the script uses the default target), in order of first use.
    public var requiredVariables: [String] { freeVariables.map(\.name) }

    /// Parses a script; `file` is used in error messages.
    public static func parse(_ text: String, file: String) throws(ConfigScriptError) -> ConfigScript {
        try parse(text, file: file, predefined: nil)
    }

    /// Parses a script that will run with exactly the variables in `environmentNames`: a
    /// reference to any other unbound name is reported now rather than by ``run(_:environment:)``.
    public static func parse(_ text: String, file: String, environmentNames: Set<String>) throws(ConfigScriptError) -> ConfigScript {
        try parse(text, file: file, predefined: environmentNames)
    }

    private static func parse(_ text: String, file: String, predefined: Set<String>?) throws(ConfigScriptError) -> ConfigScript {
        var parser = ScriptParser(file: file, predefined: predefined)
        let program = try parser.parseScript(text)
        try parser.checkFreeVariables()
        return ConfigScript(file: file, program: program, freeVariables: parser.freeVariables)
    }

    /// Runs the script in the current facet of `turn`, with `environment` (e.g. `["config":
    /// .embedded(configDS), "gatekeeper": …, "log": …]`). Assertions made live as long as that
    /// facet. Before anything runs, every variable the script needs is checked to be present.
    ///
    /// - Throws: ``ConfigScriptError`` with the position concerned, for an unbound variable, a
    ///   target that is not a capability, a `let` whose value does not match, and so on.
    public func run(_ turn: Turn, environment: [String: AnyValue]) throws {
        let scriptEnvironment = ScriptEnvironment(file: file, bindings: environment)
        for variable in freeVariables where environment[variable.name] == nil {
            throw scriptEnvironment.error(at: variable.position, "unbound variable $\(variable.name)")
        }
        var running = scriptEnvironment
        try ScriptInterpreter.execute(program, turn, &running)
    }
}

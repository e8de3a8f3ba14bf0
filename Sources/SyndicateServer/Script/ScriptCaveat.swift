import Preserves
import Syndicate
import SyndicateProtocols

/// One caveat of an attenuation expression `<* $cap [CAVEAT …]>`:
///
/// ```
/// CAVEAT  = <or [REWRITE …]> | <reject PATTERN> | REWRITE
/// REWRITE = <accept PATTERN> | <rewrite PATTERN TEMPLATE>
/// ```
///
/// In a rewrite's template, `$name` refers to what the pattern captured under `?name` (as a
/// `<ref n>` template), or else to the script variable.
enum ScriptCaveat: Sendable {
    case rewrite(ScriptRewrite)
    case alternatives([ScriptRewrite])
    case reject(ScriptPattern)

    /// The caveat as the runtime's sturdy-ref type.
    func sturdyCaveat(in environment: ScriptEnvironment) throws(ConfigScriptError) -> Sturdy.Caveat<Ref> {
        switch self {
        case .rewrite(let rewrite):
            return .rewrite(try rewrite.sturdyRewrite(in: environment))
        case .alternatives(let rewrites):
            var out: [Sturdy.Rewrite<Ref>] = []
            for rewrite in rewrites { out.append(try rewrite.sturdyRewrite(in: environment)) }
            return .alts(Sturdy.Alts(alternatives: out))
        case .reject(let pattern):
            return .reject(Sturdy.Reject(pattern: try pattern.sturdyPattern(in: environment)))
        }
    }
}

/// A rewriting caveat: values matching the pattern pass, rebuilt by the template.
enum ScriptRewrite: Sendable {
    /// `<accept P>`: values matching `P` pass unchanged.
    case accept(ScriptPattern)
    /// `<rewrite P T>`: values matching `P` become `T`, with `$name` for the captures of `P`.
    case rewrite(ScriptPattern, ScriptTemplate)

    func sturdyRewrite(in environment: ScriptEnvironment) throws(ConfigScriptError) -> Sturdy.Rewrite<Ref> {
        switch self {
        case .accept(let pattern):
            let inner = try pattern.sturdyPattern(in: environment)
            return Sturdy.Rewrite(
                pattern: .pBind(Sturdy.PBind(pattern: inner)),
                template: .tRef(Sturdy.TRef(binding: 0)))
        case .rewrite(let pattern, let template):
            let names = pattern.binderNames
            return Sturdy.Rewrite(
                pattern: try pattern.sturdyPattern(in: environment),
                template: try Self.sturdyTemplate(template, captures: names, environment))
        }
    }

    /// Compiles a script template to a caveat template; references to captures become `<ref n>`.
    static func sturdyTemplate(
        _ template: ScriptTemplate, captures: [String], _ environment: ScriptEnvironment
    ) throws(ConfigScriptError) -> Sturdy.Template<Ref> {
        switch template {
        case .literal(let value):
            return .lit(Sturdy.Lit(value: value))
        case .variable(let variable):
            // The last capture of a name wins, as when bindings are made in order.
            if let index = captures.lastIndex(of: variable.name) {
                return .tRef(Sturdy.TRef(binding: SignedInteger(index)))
            }
            return .lit(Sturdy.Lit(value: try environment.lookup(variable)))
        case .allBindings, .set:
            return .lit(Sturdy.Lit(value: try template.instantiate(in: environment)))
        case .record(let label, let fields):
            var out: [Sturdy.Template<Ref>] = []
            for field in fields { out.append(try sturdyTemplate(field, captures: captures, environment)) }
            return .tCompound(.rec(label: try label.instantiate(in: environment), fields: out))
        case .sequence(let items):
            var out: [Sturdy.Template<Ref>] = []
            for item in items { out.append(try sturdyTemplate(item, captures: captures, environment)) }
            return .tCompound(.arr(items: out))
        case .dictionary(let entries):
            var out: [AnyValue: Sturdy.Template<Ref>] = [:]
            for entry in entries {
                out[try entry.key.instantiate(in: environment)] = try sturdyTemplate(entry.value, captures: captures, environment)
            }
            return .tCompound(.dict(entries: out))
        }
    }
}

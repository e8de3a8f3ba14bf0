import Preserves
import Syndicate
import SyndicateProtocols

/// A pattern written in a script (after `?`, `??`, `let`, `=~`, or inside a caveat).
///
/// `_` discards, `?name` captures, `<?name P>` captures what `P` matches, `$name` matches the
/// variable's value, other data matches itself. Records, sequences and dictionaries match
/// structurally; a record pattern's label must be literal (data, or a `$name`).
///
/// Captures are numbered the way the dataspace and the caveat evaluator number them: an outer
/// capture before captures inside it, record fields and sequence items in order, dictionary
/// entries in key order (the parser stores them sorted).
indirect enum ScriptPattern: Sendable {
    case discard
    /// Captures the value under `name` if it matches the subpattern.
    case bind(name: String, ScriptPattern)
    /// Matches exactly the template's value.
    case literal(ScriptTemplate)
    /// A record with this label whose first fields match.
    case record(label: ScriptTemplate, fields: [ScriptPattern])
    /// A sequence whose first items match.
    case sequence([ScriptPattern])
    /// A dictionary with at least these keys, entries sorted by key.
    case dictionary([(key: AnyValue, value: ScriptPattern)])

    /// The names this pattern binds, in capture order.
    var binderNames: [String] {
        var names: [String] = []
        collectBinders(into: &names)
        return names
    }

    private func collectBinders(into names: inout [String]) {
        switch self {
        case .discard, .literal:
            break
        case .bind(let name, let inner):
            names.append(name)
            inner.collectBinders(into: &names)
        case .record(_, let items), .sequence(let items):
            for item in items { item.collectBinders(into: &names) }
        case .dictionary(let entries):
            for entry in entries { entry.value.collectBinders(into: &names) }
        }
    }

    // MARK: Dataspace patterns

    /// The dataspace pattern to observe with, `$name`s replaced by their values.
    func dataspacePattern(in environment: ScriptEnvironment) throws(ConfigScriptError) -> Pattern {
        switch self {
        case .discard:
            return Pattern.discard
        case .bind(_, let inner):
            return Pattern.bind(try inner.dataspacePattern(in: environment))
        case .literal(let template):
            return Pattern.lit(try template.instantiate(in: environment))
        case .record(let label, let fields):
            return Pattern.rec(label: try label.instantiate(in: environment), try Self.dataspacePatterns(fields, environment))
        case .sequence(let items):
            return .group(type: .arr, entries: Self.indexed(try Self.dataspacePatterns(items, environment)))
        case .dictionary(let entries):
            var out: [AnyValue: Pattern] = [:]
            for entry in entries { out[entry.key] = try entry.value.dataspacePattern(in: environment) }
            return Pattern.dict(out)
        }
    }

    private static func dataspacePatterns(_ items: [ScriptPattern], _ environment: ScriptEnvironment) throws(ConfigScriptError) -> [Pattern] {
        var out: [Pattern] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try item.dataspacePattern(in: environment)) }
        return out
    }

    private static func indexed(_ items: [Pattern]) -> [AnyValue: Pattern] {
        Dictionary(uniqueKeysWithValues: items.enumerated().map { (AnyValue.integer(SignedInteger($0.offset)), $0.element) })
    }

    // MARK: Matching in the script

    /// Matches `value` the way a dataspace would; on success appends the captures, in order.
    func match(_ value: AnyValue, in environment: ScriptEnvironment, captures: inout [AnyValue]) throws(ConfigScriptError) -> Bool {
        let v = value.unannotated
        switch self {
        case .discard:
            return true
        case .bind(_, let inner):
            captures.append(v)
            return try inner.match(v, in: environment, captures: &captures)
        case .literal(let template):
            return try template.instantiate(in: environment).stripped == v.stripped
        case .record(let label, let fields):
            guard case .record(let r) = v, r.fields.count >= fields.count,
                try label.instantiate(in: environment).stripped == r.label.stripped
            else { return false }
            for (pattern, field) in zip(fields, r.fields) {
                guard try pattern.match(field, in: environment, captures: &captures) else { return false }
            }
            return true
        case .sequence(let items):
            guard case .sequence(let s) = v, s.count >= items.count else { return false }
            for (pattern, item) in zip(items, s) {
                guard try pattern.match(item, in: environment, captures: &captures) else { return false }
            }
            return true
        case .dictionary(let entries):
            guard case .dictionary(let d) = v else { return false }
            for entry in entries {
                guard let item = d[entry.key], try entry.value.match(item, in: environment, captures: &captures) else {
                    return false
                }
            }
            return true
        }
    }

    // MARK: Caveat patterns

    /// The sturdy-ref caveat pattern (which matches records and sequences by exact arity).
    func sturdyPattern(in environment: ScriptEnvironment) throws(ConfigScriptError) -> Sturdy.Pattern<Ref> {
        switch self {
        case .discard:
            return .pDiscard(Sturdy.PDiscard())
        case .bind(_, let inner):
            return .pBind(Sturdy.PBind(pattern: try inner.sturdyPattern(in: environment)))
        case .literal(let template):
            return .lit(Sturdy.Lit(value: try template.instantiate(in: environment)))
        case .record(let label, let fields):
            return .pCompound(.rec(label: try label.instantiate(in: environment), fields: try Self.sturdyPatterns(fields, environment)))
        case .sequence(let items):
            return .pCompound(.arr(items: try Self.sturdyPatterns(items, environment)))
        case .dictionary(let entries):
            var out: [AnyValue: Sturdy.Pattern<Ref>] = [:]
            for entry in entries { out[entry.key] = try entry.value.sturdyPattern(in: environment) }
            return .pCompound(.dict(entries: out))
        }
    }

    private static func sturdyPatterns(_ items: [ScriptPattern], _ environment: ScriptEnvironment) throws(ConfigScriptError) -> [Sturdy.Pattern<Ref>] {
        var out: [Sturdy.Pattern<Ref>] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try item.sturdyPattern(in: environment)) }
        return out
    }
}

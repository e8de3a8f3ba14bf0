import Preserves

/// Interprets the tokens of one definition's body as metaschema patterns.
struct PatternReader {
    let state: ModuleReadState
    let definition: Symbol
    var references: [SchemaModule.ReferenceSite] = []

    init(state: ModuleReadState, definition: Symbol) {
        self.state = state
        self.definition = definition
    }

    func error(_ token: IOValue?, _ message: String) -> SchemaError {
        state.error(.invalidPattern, token, message)
    }

    // MARK: Definitions

    mutating func readDefinitionBody(_ body: [IOValue], name: Symbol, nameToken: IOValue) throws(SchemaError) -> Schema.Definition {
        if body.contains(where: { $0.symbol == "/" }) {
            let groups = try split(body, on: "/", what: "alternative")
            guard groups.count >= 2 else { throw error(body[0], "\(name.name) needs at least two alternatives") }
            var alternatives: [Schema.NamedAlternative] = []
            for token in groups {
                alternatives.append(try readAlternative(token))
            }
            var labels = Set<String>()
            for (token, alternative) in zip(groups, alternatives) where !labels.insert(alternative.variantLabel).inserted {
                throw state.error(.duplicateBinding, token, "duplicate alternative label \"\(alternative.variantLabel)\" in \(name.name)")
            }
            return .or(pattern0: alternatives[0], pattern1: alternatives[1], patternN: Array(alternatives.dropFirst(2)))
        }
        if body.contains(where: { $0.symbol == "&" }) {
            let groups = try split(body, on: "&", what: "intersection part")
            guard groups.count >= 2 else { throw error(body[0], "\(name.name) needs at least two parts joined by &") }
            var parts: [Schema.NamedPattern] = []
            for token in groups { parts.append(try readNamedPattern(token)) }
            return .and(pattern0: parts[0], pattern1: parts[1], patternN: Array(parts.dropFirst(2)))
        }
        guard body.count == 1 else {
            throw error(body[1], "a definition body is one pattern (use / for alternatives, & for intersections)")
        }
        return .pattern(try readPattern(body[0]))
    }

    /// Splits at separator symbols; a leading separator is allowed; each group is one token.
    func split(_ body: [IOValue], on separator: Symbol, what: String) throws(SchemaError) -> [IOValue] {
        var groups: [[IOValue]] = [[]]
        for token in body {
            if token.symbol == separator { groups.append([]) } else { groups[groups.count - 1].append(token) }
        }
        if groups.first?.isEmpty == true { groups.removeFirst() }
        var result: [IOValue] = []
        for group in groups {
            guard group.count == 1 else {
                throw error(group.first ?? body.last, group.isEmpty ? "empty \(what)" : "each \(what) must be a single pattern")
            }
            result.append(group[0])
        }
        return result
    }

    mutating func readAlternative(_ token: IOValue) throws(SchemaError) -> Schema.NamedAlternative {
        let pattern = try readPattern(token)
        if let name = Self.bindingName(token) {
            return Schema.NamedAlternative(variantLabel: name.name, pattern: pattern)
        }
        guard let label = pattern.inferredAlternativeLabel else {
            throw error(token, "this alternative needs a name: write @name before it")
        }
        return Schema.NamedAlternative(variantLabel: label, pattern: pattern)
    }

    /// The first symbol annotation of a token: its binding name.
    static func bindingName(_ token: IOValue) -> Symbol? {
        token.annotations.lazy.compactMap(\.symbol).first
    }

    // MARK: Patterns

    mutating func readPattern(_ token: IOValue) throws(SchemaError) -> Schema.Pattern {
        if let simple = try readSimplePatternIfSimple(token) { return .simplePattern(simple) }
        return .compoundPattern(try readCompoundPattern(token))
    }

    mutating func readSimplePattern(_ token: IOValue) throws(SchemaError) -> Schema.SimplePattern {
        guard let simple = try readSimplePatternIfSimple(token) else {
            throw error(token, "expected a simple pattern (an atom kind, literal, reference, #:, [p ...], #{p} or {k: v ...:...}) here")
        }
        return simple
    }

    /// The simple pattern `token` denotes, or `nil` if it is a compound pattern.
    mutating func readSimplePatternIfSimple(_ token: IOValue) throws(SchemaError) -> Schema.SimplePattern? {
        switch token.unannotated {
        case .symbol(let s):
            switch s.name {
            case "any": return .any
            case "bool": return .atom(atomKind: .boolean)
            case "double": return .atom(atomKind: .double)
            case "int": return .atom(atomKind: .signedInteger)
            case "string": return .atom(atomKind: .string)
            case "bytes": return .atom(atomKind: .byteString)
            case "symbol": return .atom(atomKind: .symbol)
            default: break
            }
            if s.name.hasPrefix("=") {
                guard s.name.count > 1 else { throw error(token, "\"=\" must be followed by a symbol, as in =name") }
                return .lit(value: .symbol(Symbol(String(s.name.dropFirst()))))
            }
            guard let ref = ModuleReadState.ref(from: s), !["...", "/", "&", "="].contains(s.name) else {
                throw error(token, "\(s.name) is not a pattern")
            }
            references.append(.init(definition: definition, ref: ref, position: token.position))
            return .ref(ref)
        case .boolean, .double, .integer, .string, .byteString:
            return .lit(value: try literal(token))
        case .embedded(let e):
            return .embedded(interface: try readSimplePattern(e.value))
        case .record(let r):
            if r.label.record(label: "lit", fieldCount: 0) != nil {
                guard r.fields.count == 1 else { throw error(token, "<<lit> value> takes exactly one value") }
                return .lit(value: try literal(r.fields[0]))
            }
            return nil
        case .sequence(let items):
            if items.count == 2, items[1].symbol == "..." {
                return .seqof(pattern: try readSimplePattern(items[0]))
            }
            return nil
        case .set(let items):
            guard items.count == 1, let item = items.first else {
                throw error(token, "a set pattern #{p} has exactly one element pattern")
            }
            return .setof(pattern: try readSimplePattern(item))
        case .dictionary(let entries):
            guard entries.keys.contains(where: { $0.symbol == "..." }) else { return nil }
            guard entries.count == 2, entries.first(where: { $0.key.symbol == "..." })?.value.symbol == "..." else {
                throw error(token, "a dictionary-of pattern is written {keyPattern: valuePattern ...:...}")
            }
            let (k, v) = entries.first { $0.key.symbol != "..." }!
            return .dictof(key: try readSimplePattern(k), value: try readSimplePattern(v))
        default:
            throw error(token, "\(token.stripped) is not a pattern")
        }
    }

    mutating func readCompoundPattern(_ token: IOValue) throws(SchemaError) -> Schema.CompoundPattern {
        switch token.unannotated {
        case .record(let r):
            if r.label.record(label: "rec", fieldCount: 0) != nil {
                guard r.fields.count == 2 else { throw error(token, "<<rec> label fields> takes exactly two patterns") }
                return .rec(label: try readNamedPattern(r.fields[0]), fields: try readNamedPattern(r.fields[1]))
            }
            let label = Schema.NamedPattern.anonymous(.simplePattern(.lit(value: try literal(r.label))))
            return .rec(label: label, fields: .anonymous(.compoundPattern(try readTuple(Array(r.fields), token: token))))
        case .sequence(let items):
            return try readTuple(items, token: token)
        case .dictionary(let entries):
            var result: Schema.DictionaryEntries = [:]
            // In key order, not the dictionary's (which differs from one instance to the next):
            // the references found and the first error reported must not depend on it.
            for (key, valueToken) in entries.sorted(by: { $0.key < $1.key }) {
                let keyValue = try literal(key)
                let pattern = try readSimplePattern(valueToken)
                if let name = Self.bindingName(valueToken) ?? keyValue.symbol {
                    result[keyValue] = .named(Schema.Binding(name: name, pattern: pattern))
                } else {
                    result[keyValue] = .anonymous(pattern)
                }
            }
            return .dict(entries: result)
        default:
            throw error(token, "\(token.stripped) is not a pattern")
        }
    }

    /// `[p1 … pn]` → tuple; `[p1 … pk q ...]` → tuplePrefix with `q` as the repeated tail.
    mutating func readTuple(_ items: [IOValue], token: IOValue) throws(SchemaError) -> Schema.CompoundPattern {
        if let last = items.last, last.symbol == "..." {
            guard items.count >= 2 else { throw error(token, "\"...\" must follow a pattern") }
            let fixed = try items.dropLast(2).map { (t) throws(SchemaError) in try readNamedPattern(t) }
            let tailToken = items[items.count - 2]
            let tail = Schema.SimplePattern.seqof(pattern: try readSimplePattern(tailToken))
            let variable: Schema.NamedSimplePattern =
                if let name = Self.bindingName(tailToken) {
                    .named(Schema.Binding(name: name, pattern: tail))
                } else {
                    .anonymous(tail)
                }
            return .tuplePrefix(fixed: fixed, variable: variable)
        }
        return .tuple(patterns: try items.map { (t) throws(SchemaError) in try readNamedPattern(t) })
    }

    mutating func readNamedPattern(_ token: IOValue) throws(SchemaError) -> Schema.NamedPattern {
        if let name = Self.bindingName(token) {
            guard let simple = try readSimplePatternIfSimple(token) else {
                throw error(token, "only simple patterns can be named: @\(name.name) names a compound pattern")
            }
            return .named(Schema.Binding(name: name, pattern: simple))
        }
        return .anonymous(try readPattern(token))
    }

    /// A literal value: annotations removed; embedded values are not allowed in literals.
    func literal(_ token: IOValue) throws(SchemaError) -> Value<Never> {
        do {
            return try token.stripped.mapEmbedded { (_: IOEmbedded) throws -> Never in throw EmbeddedNotSupportedError() }
        } catch {
            throw self.error(token, "literal values cannot contain embedded values")
        }
    }
}

extension Array {
    /// `map` with a typed-throwing transform.
    func map<T, Failure: Error>(_ transform: (Element) throws(Failure) -> T) throws(Failure) -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for element in self { out.append(try transform(element)) }
        return out
    }
}

extension ArraySlice {
    func map<T, Failure: Error>(_ transform: (Element) throws(Failure) -> T) throws(Failure) -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for element in self { out.append(try transform(element)) }
        return out
    }
}

import Preserves
import PreservesSchema

/// Writes the parse and unparse code for patterns, in the context of one definition.
///
/// Simple patterns become expressions; compound patterns become statements that bind each named
/// field to a local constant of the same Swift name. Every nested part is parsed under
/// `withSchemaPath`, so errors say where in the value matching failed.
struct PatternCode {
    let model: TypeModel
    let module: ModuleModel
    /// `module.Name` of the definition, for error messages.
    let definitionName: String
    /// How the embedded type is spelled here (a generic parameter or a concrete type).
    let embedded: String
    private var counter = 0

    init(model: TypeModel, module: ModuleModel, definition: QualifiedName, embedded: String) {
        self.model = model
        self.module = module
        self.definitionName = definition.description
        self.embedded = embedded
    }

    var valueType: String { "Preserves.Value<\(embedded)>" }
    var definitionLiteral: String { LiteralCode.string(definitionName) }
    let errorType = "Preserves.SchemaParseError"

    mutating func fresh(_ stem: String) -> String {
        counter += 1
        return "_\(stem)\(counter)"
    }

    // MARK: Types

    /// The Swift spelling of a field type.
    func spell(_ t: FieldType) -> String {
        switch t {
        case .any: return valueType
        case .embedded: return embedded
        case .atom(let kind): return Self.atomType(kind)
        case .array(let e): return "[\(spell(e))]"
        case .set(let e): return "Swift.Set<\(spell(e))>"
        case .dictionary(let k, let v): return "[\(spell(k)): \(spell(v))]"
        case .ref(let q): return typeName(q) + (isGeneric(q) ? "<\(embedded)>" : "")
        }
    }

    static func atomType(_ kind: Schema.AtomKind) -> String {
        switch kind {
        case .boolean: "Swift.Bool"
        case .double: "Swift.Double"
        case .signedInteger: "Preserves.SignedInteger"
        case .string: "Swift.String"
        case .byteString: "[Swift.UInt8]"
        case .symbol: "Preserves.Symbol"
        }
    }

    func isGeneric(_ q: QualifiedName) -> Bool {
        model.configuration.embeddedType == .generic && model.embeddingDependent.contains(q)
    }

    func isPlain(_ q: QualifiedName) -> Bool { !model.embeddingDependent.contains(q) }

    /// The prefix that reaches the namespace of `q` from this module ("" for this module).
    func namespacePrefix(_ q: QualifiedName) -> String {
        if q.module == module.path { return "" }
        guard let target = model.modules[q.module] else { return "" }
        if let external = target.externalSwiftModule, !external.isEmpty {
            // `Module.Protocol` and `Module.Type` would parse as metatypes; the import makes the
            // namespace visible unqualified.
            if target.namespace == "Protocol" || target.namespace == "Type" { return "\(target.namespace)." }
            return "\(external).\(target.namespace)."
        }
        return "\(target.namespace)."
    }

    func typeName(_ q: QualifiedName) -> String {
        namespacePrefix(q) + (model.definition(q)?.swiftName ?? SwiftNames.typeName(q.name.name))
    }

    func isAlias(_ q: QualifiedName) -> Bool {
        if case .alias? = model.definition(q)?.shape { return true }
        return false
    }

    // MARK: Parsing simple patterns

    /// An expression parsing `value` against `pattern`; `nil` for literals (see ``literalCheck``).
    mutating func parseExpression(_ pattern: Schema.SimplePattern, _ value: String) -> String? {
        let d = definitionLiteral
        switch pattern {
        case .any:
            return value
        case .atom(let kind):
            let helper = switch kind {
            case .boolean: "bool"
            case .double: "double"
            case .signedInteger: "integer"
            case .string: "string"
            case .byteString: "byteString"
            case .symbol: "symbol"
            }
            return "try Preserves.SchemaParsing.\(helper)(\(value), \(d))"
        case .embedded:
            return "try Preserves.SchemaParsing.embedded(\(value), \(d))"
        case .lit:
            return nil
        case .seqof(let element):
            let item = fresh("item")
            return "try Preserves.SchemaParsing.sequenceOf(\(value), \(d)) { (\(item): \(valueType)) throws(\(errorType)) in \(elementExpression(element, item)) }"
        case .setof(let element):
            let item = fresh("item")
            return "try Preserves.SchemaParsing.setOf(\(value), \(d)) { (\(item): \(valueType)) throws(\(errorType)) in \(elementExpression(element, item)) }"
        case .dictof(let key, let element):
            let k = fresh("key")
            let v = fresh("value")
            return "try Preserves.SchemaParsing.dictionaryOf(\(value), \(d), key: { (\(k): \(valueType)) throws(\(errorType)) in \(elementExpression(key, k)) }, value: { (\(v): \(valueType)) throws(\(errorType)) in \(elementExpression(element, v)) })"
        case .ref(let ref):
            let q = model.resolve(ref, from: module.path)
            if isAlias(q) {
                return "try \(namespacePrefix(q))parse\(model.definition(q)!.swiftName)(\(value))"
            }
            return "try \(spell(.ref(q)))(preserves: \(value))"
        }
    }

    /// An element of a collection: a literal element is checked and kept as a value.
    mutating func elementExpression(_ pattern: Schema.SimplePattern, _ value: String) -> String {
        if let e = parseExpression(pattern, value) { return e }
        return "{ () throws(\(errorType)) -> \(valueType) in \(literalCheck(pattern, value)); return \(value) }()"
    }

    /// A statement checking that `value` is the literal of `pattern`.
    func literalCheck(_ pattern: Schema.SimplePattern, _ value: String) -> String {
        guard case .lit(let literal) = pattern else { return "" }
        let expected = LiteralCode.string("the literal " + literal.description)
        if case .symbol(let s) = literal {
            return "try Preserves.SchemaParsing.literalSymbol(\(value), \(LiteralCode.string(s.name)), \(definitionLiteral), expected: \(expected))"
        }
        return "try Preserves.SchemaParsing.literal(\(value), \(LiteralCode.value(literal, embedded: embedded)), \(definitionLiteral), expected: \(expected))"
    }

    // MARK: Unparsing simple patterns

    /// An expression giving the value for `pattern` from the Swift value `x`.
    mutating func unparseExpression(_ pattern: Schema.SimplePattern, _ x: String) -> String {
        switch pattern {
        case .any:
            return x
        case .atom(let kind):
            let c = switch kind {
            case .boolean: "boolean"
            case .double: "double"
            case .signedInteger: "integer"
            case .string: "string"
            case .byteString: "byteString"
            case .symbol: "symbol"
            }
            return "\(valueType).\(c)(\(x))"
        case .embedded:
            return "\(valueType).embedded(\(x))"
        case .lit(let literal):
            return LiteralCode.value(literal, embedded: embedded)
        case .seqof(let element):
            let item = fresh("item")
            return "\(valueType).sequence(\(x).map { \(item) in \(unparseElement(element, item)) })"
        case .setof(let element):
            let item = fresh("item")
            return "\(valueType).set(Swift.Set(\(x).map { \(item) in \(unparseElement(element, item)) }))"
        case .dictof(let key, let element):
            let entry = fresh("entry")
            return "\(valueType).dictionary(Swift.Dictionary(\(x).map { \(entry) in (\(unparseElement(key, entry + ".key")), \(unparseElement(element, entry + ".value"))) }, uniquingKeysWith: { first, _ in first }))"
        case .ref(let ref):
            let q = model.resolve(ref, from: module.path)
            let name = model.definition(q)!.swiftName
            if isAlias(q) {
                return isPlain(q)
                    ? "\(namespacePrefix(q))serialize\(name)(\(x), as: \(embedded).self)"
                    : "\(namespacePrefix(q))serialize\(name)(\(x))"
            }
            return isPlain(q) ? "\(x).preserves(as: \(embedded).self)" : "\(x).preserves"
        }
    }

    /// Collections of literals hold the values themselves (see ``elementExpression``).
    mutating func unparseElement(_ pattern: Schema.SimplePattern, _ x: String) -> String {
        if case .lit = pattern { return x }
        return unparseExpression(pattern, x)
    }

    // MARK: Parsing compound patterns

    /// Where a tuple's elements come from: a sequence value, or a record's fields.
    enum ElementSource {
        case sequence(String)
        case recordFields(String)

        var collection: String {
            switch self {
            case .sequence(let s): s
            case .recordFields(let r): "\(r).fields"
            }
        }

        func step(_ i: Int) -> String {
            switch self {
            case .sequence: ".index(\(i))"
            case .recordFields: ".field(\(i))"
            }
        }
    }

    /// Statements matching `value` against `pattern`, binding its named fields.
    mutating func parseCompound(_ pattern: Schema.CompoundPattern, _ value: String) -> [CodeLine] {
        let d = definitionLiteral
        switch pattern {
        case .rec(let label, let fields):
            let r = fresh("record")
            var lines: [CodeLine] = []
            let fieldTuple: (fixed: Int, isTuple: Bool)? =
                switch fields {
                case .anonymous(.compoundPattern(.tuple(let items))): (items.count, true)
                case .anonymous(.compoundPattern(.tuplePrefix(let fixed, _))): (fixed.count, true)
                default: nil
                }
            var fastPath = false
            if case .anonymous(.simplePattern(.lit(.symbol(let s)))) = label, let fieldTuple {
                fastPath = true
                let expected = LiteralCode.string("a record <\(s.description) …> with at least \(fieldTuple.fixed) field\(fieldTuple.fixed == 1 ? "" : "s")")
                lines.append(.line("let \(r) = try Preserves.SchemaParsing.record(\(value), label: \(LiteralCode.string(s.name)), minimumFieldCount: \(fieldTuple.fixed), \(d), expected: \(expected))"))
            } else {
                lines.append(.line("let \(r) = try Preserves.SchemaParsing.record(\(value), \(d))"))
                lines += parseNamed(label, "\(r).label", step: ".label")
            }
            switch fields {
            case .anonymous(.compoundPattern(.tuple(let items))):
                lines += parseTuple(items, variable: nil, source: .recordFields(r), checkCount: !fastPath)
            case .anonymous(.compoundPattern(.tuplePrefix(let fixed, let variable))):
                lines += parseTuple(fixed, variable: variable, source: .recordFields(r), checkCount: !fastPath)
            default:
                let all = fresh("fields")
                lines.append(.line("let \(all) = \(valueType).sequence(Swift.Array(\(r).fields))"))
                lines += parseNamed(fields, all, step: nil)
            }
            return Self.discardingUnused(r, in: lines)
        case .tuple(let items):
            let s = fresh("items")
            return [.line("let \(s) = try Preserves.SchemaParsing.sequence(\(value), \(d))")]
                + parseTuple(items, variable: nil, source: .sequence(s), checkCount: true)
        case .tuplePrefix(let fixed, let variable):
            let s = fresh("items")
            return [.line("let \(s) = try Preserves.SchemaParsing.sequence(\(value), \(d))")]
                + parseTuple(fixed, variable: variable, source: .sequence(s), checkCount: true)
        case .dict(let entries):
            let dict = fresh("entries")
            var lines: [CodeLine] = [.line("let \(dict) = try Preserves.SchemaParsing.dictionary(\(value), \(d))")]
            for (key, pattern) in entries.sorted(by: { $0.key < $1.key }) {
                let entry = fresh("entry")
                let expected = LiteralCode.string("a dictionary with the key \(key.description)")
                lines.append(.line("let \(entry) = try Preserves.SchemaParsing.entry(\(dict), \(LiteralCode.value(key, embedded: embedded)), \(d), expected: \(expected))"))
                lines += parseNamedSimple(pattern, entry, step: ".key(\(LiteralCode.string(key.description)))")
            }
            return Self.discardingUnused(dict, in: lines)
        }
    }

    /// Replaces `let name = e` by `_ = e` when no later line mentions `name` (a record without
    /// fields, an empty dictionary pattern), keeping the check without an unused constant.
    static func discardingUnused(_ name: String, in lines: [CodeLine]) -> [CodeLine] {
        guard case .line(let first)? = lines.first, first.hasPrefix("let \(name) = ") else { return lines }
        if lines.dropFirst().contains(where: { mentions($0, name) }) { return lines }
        return [.line("_ = " + first.dropFirst("let \(name) = ".count))] + lines.dropFirst()
    }

    static func mentions(_ line: CodeLine, _ name: String) -> Bool {
        switch line {
        case .line(let text): text.contains(name)
        case .blank: false
        case .block(let header, let body, _): header.contains(name) || body.contains { mentions($0, name) }
        }
    }

    /// Statements matching the elements of `source` against `items` (and a repeated tail).
    mutating func parseTuple(
        _ items: [Schema.NamedPattern], variable: Schema.NamedSimplePattern?, source: ElementSource, checkCount: Bool
    ) -> [CodeLine] {
        var lines: [CodeLine] = []
        let c = source.collection
        if checkCount {
            let expected = LiteralCode.string("at least \(items.count) element\(items.count == 1 ? "" : "s")")
            lines.append(.line("try Preserves.SchemaParsing.requireCount(\(c).count, atLeast: \(items.count), \(definitionLiteral), expected: \(expected))"))
        }
        for (i, item) in items.enumerated() {
            lines += parseNamed(item, "\(c)[\(i)]", step: source.step(i))
        }
        if let variable {
            let tail = "\(c).dropFirst(\(items.count))"
            switch variable {
            case .named(let binding):
                let name = SwiftNames.escaped(SwiftNames.memberName(binding.name.name))
                if case .seqof(let element) = binding.pattern {
                    let item = fresh("item")
                    lines.append(.line("let \(name) = try Preserves.SchemaParsing.elements(\(tail), offset: \(items.count)) { (\(item): \(valueType)) throws(\(errorType)) in \(elementExpression(element, item)) }"))
                } else if let e = parseExpression(binding.pattern, "\(valueType).sequence(Swift.Array(\(tail)))") {
                    lines.append(.line("let \(name) = \(e)"))
                }
            case .anonymous(let pattern):
                if case .seqof(let element) = pattern {
                    let item = fresh("item")
                    lines.append(.line("_ = try Preserves.SchemaParsing.elements(\(tail), offset: \(items.count)) { (\(item): \(valueType)) throws(\(errorType)) in \(elementExpression(element, item)) }"))
                }
            }
        }
        return lines
    }

    /// The Swift names of the fields a pattern binds, in order.
    func boundNames(_ pattern: Schema.NamedPattern) -> [String] {
        model.fields(pattern, in: module.path).map { SwiftNames.escaped($0.swiftName) }
    }

    /// Statements matching `value` against a possibly named pattern, under path `step`.
    mutating func parseNamed(_ pattern: Schema.NamedPattern, _ value: String, step: String?) -> [CodeLine] {
        switch pattern {
        case .named(let binding):
            return parseBinding(binding, value, step: step)
        case .anonymous(.simplePattern(let simple)):
            if case .lit = simple { return [wrapStatement(literalCheck(simple, value), step: step)] }
            guard let e = parseExpression(simple, value) else { return [] }
            return [wrapStatement("_ = \(e)", step: step)]
        case .anonymous(.compoundPattern(let compound)):
            let body = parseCompound(compound, value)
            let names = boundNames(pattern)
            guard let step else { return body }
            let result: String = switch names.count {
            case 0: ""
            case 1: names[0]
            default: "(" + names.joined(separator: ", ") + ")"
            }
            let header = names.isEmpty
                ? "try Preserves.withSchemaPath(\(step)) { () throws(\(errorType)) in"
                : "let \(result) = try Preserves.withSchemaPath(\(step)) { () throws(\(errorType)) in"
            return [.block(header, body + (names.isEmpty ? [] : [.line("return \(result)")]))]
        }
    }

    mutating func parseNamedSimple(_ pattern: Schema.NamedSimplePattern, _ value: String, step: String?) -> [CodeLine] {
        switch pattern {
        case .named(let binding): parseBinding(binding, value, step: step)
        case .anonymous(let simple): parseNamed(.anonymous(.simplePattern(simple)), value, step: step)
        }
    }

    mutating func parseBinding(_ binding: Schema.Binding, _ value: String, step: String?) -> [CodeLine] {
        let name = SwiftNames.escaped(SwiftNames.memberName(binding.name.name))
        guard let e = parseExpression(binding.pattern, value) else {
            return [wrapStatement(literalCheck(binding.pattern, value), step: step)]
        }
        if case .any = binding.pattern { return [.line("let \(name) = \(e)")] }
        guard let step else { return [.line("let \(name) = \(e)")] }
        return [.line("let \(name) = try Preserves.withSchemaPath(\(step)) { () throws(\(errorType)) in \(e) }")]
    }

    func wrapStatement(_ statement: String, step: String?) -> CodeLine {
        guard let step else { return .line(statement) }
        return .line("try Preserves.withSchemaPath(\(step)) { () throws(\(errorType)) in \(statement) }")
    }

    // MARK: Unparsing compound patterns

    /// An expression building the value of `pattern` from fields, where `field` spells a
    /// field's value (e.g. `self.name`).
    mutating func unparseCompound(_ pattern: Schema.CompoundPattern, field: (Symbol) -> String) -> String {
        switch pattern {
        case .rec(let label, let fields):
            return "\(valueType).record(Preserves.Record(label: \(unparseNamed(label, field: field)), fields: \(unparseElements(fields, field: field))))"
        case .tuple, .tuplePrefix:
            return "\(valueType).sequence(\(unparseElements(.anonymous(.compoundPattern(pattern)), field: field)))"
        case .dict(let entries):
            if entries.isEmpty { return "\(valueType).dictionary([:])" }
            let body = entries.sorted { $0.key < $1.key }.map { entry in
                "\(LiteralCode.value(entry.key, embedded: embedded)): \(unparseNamedSimple(entry.value, field: field))"
            }
            return "\(valueType).dictionary([\(body.joined(separator: ", "))])"
        }
    }

    /// An expression of type `[Value]`: the elements a tuple-like pattern produces.
    mutating func unparseElements(_ pattern: Schema.NamedPattern, field: (Symbol) -> String) -> String {
        switch pattern {
        case .anonymous(.compoundPattern(.tuple(let items))):
            return "[" + items.map { unparseNamed($0, field: field) }.joined(separator: ", ") + "]"
        case .anonymous(.compoundPattern(.tuplePrefix(let fixed, let variable))):
            let head = "[" + fixed.map { unparseNamed($0, field: field) }.joined(separator: ", ") + "]"
            let tail: String
            switch variable {
            case .named(let binding):
                if case .seqof(let element) = binding.pattern {
                    let item = fresh("item")
                    tail = "\(field(binding.name)).map { \(item) in \(unparseElement(element, item)) }"
                } else {
                    tail = "(\(unparseExpression(binding.pattern, field(binding.name))).sequence ?? [])"
                }
            case .anonymous:
                tail = "[]"
            }
            return fixed.isEmpty ? tail : "\(head) + \(tail)"
        default:
            return "(\(unparseNamed(pattern, field: field)).sequence ?? [])"
        }
    }

    mutating func unparseNamed(_ pattern: Schema.NamedPattern, field: (Symbol) -> String) -> String {
        switch pattern {
        case .named(let binding): unparseExpression(binding.pattern, field(binding.name))
        case .anonymous(.simplePattern(let simple)): unparseAnonymousSimple(simple)
        case .anonymous(.compoundPattern(let compound)): unparseCompound(compound, field: field)
        }
    }

    mutating func unparseNamedSimple(_ pattern: Schema.NamedSimplePattern, field: (Symbol) -> String) -> String {
        switch pattern {
        case .named(let binding): unparseExpression(binding.pattern, field(binding.name))
        case .anonymous(let simple): unparseAnonymousSimple(simple)
        }
    }

    /// Anonymous positions are literals (the checker rejects any other kind).
    mutating func unparseAnonymousSimple(_ simple: Schema.SimplePattern) -> String {
        if case .lit(let literal) = simple { return LiteralCode.value(literal, embedded: embedded) }
        return "\(valueType).sequence([])"
    }
}

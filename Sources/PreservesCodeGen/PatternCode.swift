import Preserves
import PreservesSchema

/// Builds the parse and unparse code for patterns, in the context of one definition.
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
    let embedded: TypeUsage
    private var counter = 0

    init(model: TypeModel, module: ModuleModel, definition: QualifiedName, embedded: TypeUsage) {
        self.model = model
        self.module = module
        self.definitionName = definition.description
        self.embedded = embedded
    }

    var valueType: TypeUsage { LiteralCode.valueType(embedded) }
    var value: Expression { .type(valueType) }
    var definitionLiteral: Expression { .string(definitionName) }
    // Computed, not stored: a global holding an indirect enum keeps its payload behind a tagged
    // pointer, which LeakSanitizer (the schema fuzzer) cannot see through.
    static var errorType: TypeUsage { .named("Preserves.SchemaParseError") }
    var errorType: TypeUsage { Self.errorType }
    static var parsing: Expression { .type(.named("Preserves.SchemaParsing")) }

    mutating func fresh(_ stem: String) -> String {
        counter += 1
        return "_\(stem)\(counter)"
    }

    /// `try Preserves.SchemaParsing.name(arguments)`
    func parsing(_ name: String, _ arguments: [Argument]) -> Expression {
        Self.parsing.dot(name).call(arguments).tried
    }

    /// `{ (name: Value) throws(SchemaParseError) in body }`
    func elementClosure(_ name: String, _ body: Expression) -> Expression {
        .closure(Closure(parameters: [ClosureParameter(name: name, type: valueType)], throwing: errorType, body: [.expression(body)]))
    }

    // MARK: Types

    /// The Swift type of a field type.
    func spell(_ t: FieldType) -> TypeUsage {
        switch t {
        case .any: return valueType
        case .embedded: return embedded
        case .atom(let kind): return Self.atomType(kind)
        case .array(let e): return .array(spell(e))
        case .set(let e): return .named("Swift.Set", [spell(e)])
        case .dictionary(let k, let v): return .dictionary(key: spell(k), value: spell(v))
        case .ref(let q): return typeName(q).specialized(isGeneric(q) ? [embedded] : [])
        }
    }

    static func atomType(_ kind: Schema.AtomKind) -> TypeUsage {
        switch kind {
        case .boolean: .named("Swift.Bool")
        case .double: .named("Swift.Double")
        case .signedInteger: .named("Preserves.SignedInteger")
        case .string: .named("Swift.String")
        case .byteString: .array(.named("Swift.UInt8"))
        case .symbol: .named("Preserves.Symbol")
        }
    }

    func isGeneric(_ q: QualifiedName) -> Bool {
        model.configuration.embeddedType == .generic && model.embeddingDependent.contains(q)
    }

    func isPlain(_ q: QualifiedName) -> Bool { !model.embeddingDependent.contains(q) }

    /// The path that reaches the namespace of `q` from this module (empty for this module).
    func namespacePath(_ q: QualifiedName) -> [String] {
        if q.module == module.path { return [] }
        guard let target = model.modules[q.module] else { return [] }
        if let external = target.externalSwiftModule, !external.isEmpty {
            // `Module.Protocol` and `Module.Type` would parse as metatypes; the import makes the
            // namespace visible unqualified.
            if target.namespace == "Protocol" || target.namespace == "Type" { return [target.namespace] }
            return [external, target.namespace]
        }
        return [target.namespace]
    }

    /// A member of the namespace of `q` (`parseX`), as an expression.
    func namespaceMember(_ q: QualifiedName, _ name: String) -> Expression {
        let path = namespacePath(q)
        guard !path.isEmpty else { return .name(name) }
        return Expression.type(.named(path, generics: [])).dot(name)
    }

    func typeName(_ q: QualifiedName) -> TypeUsage {
        .named(namespacePath(q) + [model.definition(q)?.swiftName ?? SwiftNames.typeName(q.name.name)], generics: [])
    }

    func isAlias(_ q: QualifiedName) -> Bool {
        if case .alias? = model.definition(q)?.shape { return true }
        return false
    }

    // MARK: Parsing simple patterns

    /// An expression parsing `value` against `pattern`; `nil` for literals (see ``literalCheck``).
    mutating func parseExpression(_ pattern: Schema.SimplePattern, _ v: Expression) -> Expression? {
        let d = definitionLiteral
        switch pattern {
        case .any:
            return v
        case .atom(let kind):
            let helper = switch kind {
            case .boolean: "bool"
            case .double: "double"
            case .signedInteger: "integer"
            case .string: "string"
            case .byteString: "byteString"
            case .symbol: "symbol"
            }
            return parsing(helper, [.unlabeled(v), .unlabeled(d)])
        case .embedded:
            return parsing("embedded", [.unlabeled(v), .unlabeled(d)])
        case .lit:
            return nil
        case .seqof(let element):
            let item = fresh("item")
            return parsing("sequenceOf", [.unlabeled(v), .unlabeled(d), .unlabeled(elementClosure(item, elementExpression(element, .name(item))))])
        case .setof(let element):
            let item = fresh("item")
            return parsing("setOf", [.unlabeled(v), .unlabeled(d), .unlabeled(elementClosure(item, elementExpression(element, .name(item))))])
        case .dictof(let key, let element):
            let k = fresh("key")
            let e = fresh("value")
            return parsing("dictionaryOf", [
                .unlabeled(v), .unlabeled(d),
                .labeled("key", elementClosure(k, elementExpression(key, .name(k)))),
                .labeled("value", elementClosure(e, elementExpression(element, .name(e)))),
            ])
        case .ref(let ref):
            let q = model.resolve(ref, from: module.path)
            if isAlias(q) {
                return namespaceMember(q, "parse\(model.definition(q)!.swiftName)").call(.unlabeled(v)).tried
            }
            return Expression.type(spell(.ref(q))).call(.labeled("preserves", v)).tried
        }
    }

    /// An element of a collection: a literal element is checked and kept as a value.
    mutating func elementExpression(_ pattern: Schema.SimplePattern, _ v: Expression) -> Expression {
        if let e = parseExpression(pattern, v) { return e }
        let check = Closure(throwing: errorType, result: valueType, body: [.expression(literalCheck(pattern, v)), .returnStatement(v)])
        return .call(.parenthesized(.closure(check)), [])
    }

    /// An expression checking that `value` is the literal of `pattern`.
    func literalCheck(_ pattern: Schema.SimplePattern, _ v: Expression) -> Expression {
        guard case .lit(let literal) = pattern else { return .tuple([]) }
        let expected = Expression.string("the literal " + literal.description)
        if case .symbol(let s) = literal {
            return parsing("literalSymbol", [.unlabeled(v), .unlabeled(.string(s.name)), .unlabeled(definitionLiteral), .labeled("expected", expected)])
        }
        return parsing("literal", [.unlabeled(v), .unlabeled(LiteralCode.value(literal, embedded: embedded)), .unlabeled(definitionLiteral), .labeled("expected", expected)])
    }

    // MARK: Unparsing simple patterns

    /// An expression giving the value for `pattern` from the Swift value `x`.
    mutating func unparseExpression(_ pattern: Schema.SimplePattern, _ x: Expression) -> Expression {
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
            return value.dot(c).call(.unlabeled(x))
        case .embedded:
            return value.dot("embedded").call(.unlabeled(x))
        case .lit(let literal):
            return LiteralCode.value(literal, embedded: embedded)
        case .seqof(let element):
            let item = fresh("item")
            return value.dot("sequence").call(.unlabeled(map(x, item, unparseElement(element, .name(item)))))
        case .setof(let element):
            let item = fresh("item")
            let set = Expression.type(.named("Swift.Set")).call(.unlabeled(map(x, item, unparseElement(element, .name(item)))))
            return value.dot("set").call(.unlabeled(set))
        case .dictof(let key, let element):
            let entry = fresh("entry")
            let pair = Expression.tuple([unparseElement(key, Expression.name(entry).dot("key")), unparseElement(element, Expression.name(entry).dot("value"))])
            let dictionary = Expression.type(.named("Swift.Dictionary")).call(
                .unlabeled(map(x, entry, pair)),
                .labeled("uniquingKeysWith", .closure(Closure(parameters: [ClosureParameter(name: "first"), ClosureParameter(name: "_")], body: [.expression(.name("first"))]))))
            return value.dot("dictionary").call(.unlabeled(dictionary))
        case .ref(let ref):
            let q = model.resolve(ref, from: module.path)
            let name = model.definition(q)!.swiftName
            let asEmbedding = Argument.labeled("as", Expression.type(embedded).dot("self"))
            if isAlias(q) {
                let serialize = namespaceMember(q, "serialize\(name)")
                return isPlain(q) ? serialize.call(.unlabeled(x), asEmbedding) : serialize.call(.unlabeled(x))
            }
            return isPlain(q) ? x.dot("preserves").call(asEmbedding) : x.dot("preserves")
        }
    }

    /// `x.map { item in body }`
    func map(_ x: Expression, _ item: String, _ body: Expression) -> Expression {
        x.dot("map").call(.unlabeled(.closure(Closure(parameters: [ClosureParameter(name: item)], body: [.expression(body)]))))
    }

    /// Collections of literals hold the values themselves (see ``elementExpression``).
    mutating func unparseElement(_ pattern: Schema.SimplePattern, _ x: Expression) -> Expression {
        if case .lit = pattern { return x }
        return unparseExpression(pattern, x)
    }

    // MARK: Parsing compound patterns

    /// Where a tuple's elements come from: a sequence value, or a record's fields.
    enum ElementSource {
        case sequence(String)
        case recordFields(String)

        var collection: Expression {
            switch self {
            case .sequence(let s): .name(s)
            case .recordFields(let r): Expression.name(r).dot("fields")
            }
        }

        func step(_ i: Int) -> Expression {
            switch self {
            case .sequence: Expression.member(nil, "index").call(.unlabeled(.int(i)))
            case .recordFields: Expression.member(nil, "field").call(.unlabeled(.int(i)))
            }
        }
    }

    /// Statements matching `value` against `pattern`, binding its named fields.
    mutating func parseCompound(_ pattern: Schema.CompoundPattern, _ v: Expression) -> [Statement] {
        let d = definitionLiteral
        switch pattern {
        case .rec(let label, let fields):
            let r = fresh("record")
            var head: Expression
            var rest: [Statement] = []
            let fieldTuple: (fixed: Int, isTuple: Bool)? =
                switch fields {
                case .anonymous(.compoundPattern(.tuple(let items))): (items.count, true)
                case .anonymous(.compoundPattern(.tuplePrefix(let fixed, _))): (fixed.count, true)
                default: nil
                }
            var fastPath = false
            if case .anonymous(.simplePattern(.lit(.symbol(let s)))) = label, let fieldTuple {
                fastPath = true
                let expected = "a record <\(s.description) …> with at least \(fieldTuple.fixed) field\(fieldTuple.fixed == 1 ? "" : "s")"
                head = parsing("record", [
                    .unlabeled(v), .labeled("label", .string(s.name)), .labeled("minimumFieldCount", .int(fieldTuple.fixed)),
                    .unlabeled(d), .labeled("expected", .string(expected)),
                ])
            } else {
                head = parsing("record", [.unlabeled(v), .unlabeled(d)])
                rest += parseNamed(label, Expression.name(r).dot("label"), step: .member(nil, "label"))
            }
            switch fields {
            case .anonymous(.compoundPattern(.tuple(let items))):
                rest += parseTuple(items, variable: nil, source: .recordFields(r), checkCount: !fastPath)
            case .anonymous(.compoundPattern(.tuplePrefix(let fixed, let variable))):
                rest += parseTuple(fixed, variable: variable, source: .recordFields(r), checkCount: !fastPath)
            default:
                let all = fresh("fields")
                let fieldsValue = value.dot("sequence").call(.unlabeled(Expression.type(.named("Swift.Array")).call(.unlabeled(Expression.name(r).dot("fields")))))
                rest.append(.declare(.let, .name(all), type: nil, value: fieldsValue))
                rest += parseNamed(fields, .name(all), step: nil)
            }
            // Every statement after the head reads the record; a record without fields is only checked.
            return [.declare(.let, rest.isEmpty ? .discard : .name(r), type: nil, value: head)] + rest
        case .tuple(let items):
            let s = fresh("items")
            return [.declare(.let, .name(s), type: nil, value: parsing("sequence", [.unlabeled(v), .unlabeled(d)]))]
                + parseTuple(items, variable: nil, source: .sequence(s), checkCount: true)
        case .tuplePrefix(let fixed, let variable):
            let s = fresh("items")
            return [.declare(.let, .name(s), type: nil, value: parsing("sequence", [.unlabeled(v), .unlabeled(d)]))]
                + parseTuple(fixed, variable: variable, source: .sequence(s), checkCount: true)
        case .dict(let entries):
            let dict = fresh("entries")
            var rest: [Statement] = []
            for (key, pattern) in entries.sorted(by: { $0.key < $1.key }) {
                let entry = fresh("entry")
                let lookup = parsing("entry", [
                    .unlabeled(.name(dict)), .unlabeled(LiteralCode.value(key, embedded: embedded)), .unlabeled(d),
                    .labeled("expected", .string("a dictionary with the key \(key.description)")),
                ])
                rest.append(.declare(.let, .name(entry), type: nil, value: lookup))
                rest += parseNamedSimple(pattern, .name(entry), step: Expression.member(nil, "key").call(.unlabeled(.string(key.description))))
            }
            let head = parsing("dictionary", [.unlabeled(v), .unlabeled(d)])
            return [.declare(.let, entries.isEmpty ? .discard : .name(dict), type: nil, value: head)] + rest
        }
    }

    /// Statements matching the elements of `source` against `items` (and a repeated tail).
    mutating func parseTuple(
        _ items: [Schema.NamedPattern], variable: Schema.NamedSimplePattern?, source: ElementSource, checkCount: Bool
    ) -> [Statement] {
        var lines: [Statement] = []
        let c = source.collection
        if checkCount {
            lines.append(.expression(parsing("requireCount", [
                .unlabeled(c.dot("count")), .labeled("atLeast", .int(items.count)), .unlabeled(definitionLiteral),
                .labeled("expected", .string("at least \(items.count) element\(items.count == 1 ? "" : "s")")),
            ])))
        }
        for (i, item) in items.enumerated() {
            lines += parseNamed(item, .subscripted(c, .int(i)), step: source.step(i))
        }
        if let variable {
            let tail = c.dot("dropFirst").call(.unlabeled(.int(items.count)))
            switch variable {
            case .named(let binding):
                let name = SwiftNames.escaped(SwiftNames.memberName(binding.name.name))
                if case .seqof(let element) = binding.pattern {
                    let item = fresh("item")
                    let e = parsing("elements", [.unlabeled(tail), .labeled("offset", .int(items.count)), .unlabeled(elementClosure(item, elementExpression(element, .name(item))))])
                    lines.append(.declare(.let, .name(name), type: nil, value: e))
                } else if let e = parseExpression(binding.pattern, value.dot("sequence").call(.unlabeled(Expression.type(.named("Swift.Array")).call(.unlabeled(tail))))) {
                    lines.append(.declare(.let, .name(name), type: nil, value: e))
                }
            case .anonymous(let pattern):
                if case .seqof(let element) = pattern {
                    let item = fresh("item")
                    let e = parsing("elements", [.unlabeled(tail), .labeled("offset", .int(items.count)), .unlabeled(elementClosure(item, elementExpression(element, .name(item))))])
                    lines.append(.declare(.let, .discard, type: nil, value: e))
                }
            }
        }
        return lines
    }

    /// The Swift names of the fields a pattern binds, in order.
    func boundNames(_ pattern: Schema.NamedPattern) -> [String] {
        model.fields(pattern, in: module.path).map { SwiftNames.escaped($0.swiftName) }
    }

    /// `try Preserves.withSchemaPath(step) { () throws(SchemaParseError) in body }`
    func withSchemaPath(_ step: Expression, _ body: [Statement]) -> Expression {
        Expression.type(.named("Preserves.withSchemaPath"))
            .call(.unlabeled(step), .unlabeled(.closure(Closure(throwing: errorType, body: body)))).tried
    }

    /// Statements matching `value` against a possibly named pattern, under path `step`.
    mutating func parseNamed(_ pattern: Schema.NamedPattern, _ v: Expression, step: Expression?) -> [Statement] {
        switch pattern {
        case .named(let binding):
            return parseBinding(binding, v, step: step)
        case .anonymous(.simplePattern(let simple)):
            if case .lit = simple { return [wrap(.expression(literalCheck(simple, v)), step: step)] }
            guard let e = parseExpression(simple, v) else { return [] }
            return [wrap(.declare(.let, .discard, type: nil, value: e), step: step)]
        case .anonymous(.compoundPattern(let compound)):
            let body = parseCompound(compound, v)
            let names = boundNames(pattern)
            guard let step else { return body }
            switch names.count {
            case 0:
                return [.expression(withSchemaPath(step, body))]
            case 1:
                return [.declare(.let, .name(names[0]), type: nil, value: withSchemaPath(step, body + [.returnStatement(.name(names[0]))]))]
            default:
                return [.declare(.let, .tuple(names), type: nil, value: withSchemaPath(step, body + [.returnStatement(.tuple(names.map(Expression.name)))]))]
            }
        }
    }

    mutating func parseNamedSimple(_ pattern: Schema.NamedSimplePattern, _ v: Expression, step: Expression?) -> [Statement] {
        switch pattern {
        case .named(let binding): parseBinding(binding, v, step: step)
        case .anonymous(let simple): parseNamed(.anonymous(.simplePattern(simple)), v, step: step)
        }
    }

    mutating func parseBinding(_ binding: Schema.Binding, _ v: Expression, step: Expression?) -> [Statement] {
        let name = SwiftNames.escaped(SwiftNames.memberName(binding.name.name))
        guard let e = parseExpression(binding.pattern, v) else {
            return [wrap(.expression(literalCheck(binding.pattern, v)), step: step)]
        }
        if case .any = binding.pattern { return [.declare(.let, .name(name), type: nil, value: e)] }
        guard let step else { return [.declare(.let, .name(name), type: nil, value: e)] }
        return [.declare(.let, .name(name), type: nil, value: withSchemaPath(step, [.expression(e)]))]
    }

    func wrap(_ statement: Statement, step: Expression?) -> Statement {
        guard let step else { return statement }
        return .expression(withSchemaPath(step, [statement]))
    }

    // MARK: Unparsing compound patterns

    /// An expression building the value of `pattern` from fields, where `field` gives a
    /// field's value (e.g. `self.name`).
    mutating func unparseCompound(_ pattern: Schema.CompoundPattern, field: (Symbol) -> Expression) -> Expression {
        switch pattern {
        case .rec(let label, let fields):
            let record = Expression.type(.named("Preserves.Record")).call(
                .labeled("label", unparseNamed(label, field: field)), .labeled("fields", unparseElements(fields, field: field)))
            return value.dot("record").call(.unlabeled(record))
        case .tuple, .tuplePrefix:
            return value.dot("sequence").call(.unlabeled(unparseElements(.anonymous(.compoundPattern(pattern)), field: field)))
        case .dict(let entries):
            let body = entries.sorted { $0.key < $1.key }.map { entry in
                DictionaryEntry(key: LiteralCode.value(entry.key, embedded: embedded), value: unparseNamedSimple(entry.value, field: field))
            }
            return value.dot("dictionary").call(.unlabeled(.dictionary(body)))
        }
    }

    /// An expression of type `[Value]`: the elements a tuple-like pattern produces.
    mutating func unparseElements(_ pattern: Schema.NamedPattern, field: (Symbol) -> Expression) -> Expression {
        switch pattern {
        case .anonymous(.compoundPattern(.tuple(let items))):
            return .array(items.map { unparseNamed($0, field: field) })
        case .anonymous(.compoundPattern(.tuplePrefix(let fixed, let variable))):
            let head = Expression.array(fixed.map { unparseNamed($0, field: field) })
            let tail: Expression
            switch variable {
            case .named(let binding):
                if case .seqof(let element) = binding.pattern {
                    let item = fresh("item")
                    tail = map(field(binding.name), item, unparseElement(element, .name(item)))
                } else {
                    tail = .parenthesized(.binary(unparseExpression(binding.pattern, field(binding.name)).dot("sequence"), "??", .array([])))
                }
            case .anonymous:
                tail = .array([])
            }
            return fixed.isEmpty ? tail : .binary(head, "+", tail)
        default:
            return .parenthesized(.binary(unparseNamed(pattern, field: field).dot("sequence"), "??", .array([])))
        }
    }

    mutating func unparseNamed(_ pattern: Schema.NamedPattern, field: (Symbol) -> Expression) -> Expression {
        switch pattern {
        case .named(let binding): unparseExpression(binding.pattern, field(binding.name))
        case .anonymous(.simplePattern(let simple)): unparseAnonymousSimple(simple)
        case .anonymous(.compoundPattern(let compound)): unparseCompound(compound, field: field)
        }
    }

    mutating func unparseNamedSimple(_ pattern: Schema.NamedSimplePattern, field: (Symbol) -> Expression) -> Expression {
        switch pattern {
        case .named(let binding): unparseExpression(binding.pattern, field(binding.name))
        case .anonymous(let simple): unparseAnonymousSimple(simple)
        }
    }

    /// Anonymous positions are literals (the checker rejects any other kind).
    mutating func unparseAnonymousSimple(_ simple: Schema.SimplePattern) -> Expression {
        if case .lit(let literal) = simple { return LiteralCode.value(literal, embedded: embedded) }
        return value.dot("sequence").call(.unlabeled(.array([])))
    }

    // MARK: Writing binary directly

    /// The emitter a generated `write(to:)` writes into.
    static let emitter = Expression.name("emitter")
    var emitterType: TypeUsage { .named("Preserves.BinaryEmitter", [embedded]) }
    /// `emitter.name(arguments)`
    func emit(_ name: String, _ arguments: Argument...) -> Statement {
        .expression(Self.emitter.dot(name).call(arguments))
    }
    /// `&emitter`, the argument passing the emitter on.
    static var emitterArgument: Argument { .labeled("to", .name("&emitter")) }

    /// Statements writing the binary encoding of `pattern` for the Swift value `x`: the bytes of
    /// ``unparseExpression(_:_:)``'s value. Records and sequences are written piece by piece;
    /// sets and dictionaries go through their value, which the emitter sorts canonically.
    mutating func writeSimple(_ pattern: Schema.SimplePattern, _ x: Expression) -> [Statement] {
        switch pattern {
        case .lit(let literal):
            return writeLiteral(literal)
        case .seqof(let element):
            let item = fresh("item")
            return [emit("beginSequence"), .forIn(item, x, writeElement(element, .name(item))), emit("end")]
        case .ref(let ref):
            let q = model.resolve(ref, from: module.path)
            let name = model.definition(q)!.swiftName
            if isAlias(q) {
                return [.expression(namespaceMember(q, "write\(name)").call(.unlabeled(x), Self.emitterArgument))]
            }
            return [.expression(x.dot("write").call(Self.emitterArgument))]
        case .atom(.signedInteger):
            return [emit("writeInteger", .unlabeled(x))]
        case .embedded:
            return [emit("writeEmbedded", .unlabeled(x))]
        case .any, .atom, .setof, .dictof:
            return [emit("write", .unlabeled(unparseExpression(pattern, x)))]
        }
    }

    /// Collections of literals hold the values themselves (see ``unparseElement(_:_:)``).
    mutating func writeElement(_ pattern: Schema.SimplePattern, _ x: Expression) -> [Statement] {
        if case .lit = pattern { return [emit("write", .unlabeled(x))] }
        return writeSimple(pattern, x)
    }

    func writeLiteral(_ literal: Value<Never>) -> [Statement] {
        if case .symbol(let s) = literal { return [emit("writeSymbol", .unlabeled(.string(s.name)))] }
        return [emit("write", .unlabeled(LiteralCode.value(literal, embedded: embedded)))]
    }

    /// Statements writing the value of a compound pattern built from fields (see ``unparseCompound(_:field:)``).
    mutating func writeCompound(_ pattern: Schema.CompoundPattern, field: (Symbol) -> Expression) -> [Statement] {
        switch pattern {
        case .rec(let label, let fields):
            return [emit("beginRecord")] + writeNamed(label, field: field) + writeElements(fields, field: field) + [emit("end")]
        case .tuple, .tuplePrefix:
            return [emit("beginSequence")] + writeElements(.anonymous(.compoundPattern(pattern)), field: field) + [emit("end")]
        case .dict:
            return [emit("write", .unlabeled(unparseCompound(pattern, field: field)))]
        }
    }

    /// Statements writing the elements a tuple-like pattern produces (see ``unparseElements(_:field:)``).
    mutating func writeElements(_ pattern: Schema.NamedPattern, field: (Symbol) -> Expression) -> [Statement] {
        switch pattern {
        case .anonymous(.compoundPattern(.tuple(let items))):
            return items.flatMap { writeNamed($0, field: field) }
        case .anonymous(.compoundPattern(.tuplePrefix(let fixed, let variable))):
            var lines = fixed.flatMap { writeNamed($0, field: field) }
            switch variable {
            case .named(let binding):
                let item = fresh("item")
                if case .seqof(let element) = binding.pattern {
                    lines.append(.forIn(item, field(binding.name), writeElement(element, .name(item))))
                } else {
                    let tail = Expression.parenthesized(.binary(unparseExpression(binding.pattern, field(binding.name)).dot("sequence"), "??", .array([])))
                    lines.append(.forIn(item, tail, [emit("write", .unlabeled(.name(item)))]))
                }
            case .anonymous:
                break
            }
            return lines
        case .named(let binding):
            let item = fresh("item")
            if case .seqof(let element) = binding.pattern {
                return [.forIn(item, field(binding.name), writeElement(element, .name(item)))]
            }
            let tail = Expression.parenthesized(.binary(unparseExpression(binding.pattern, field(binding.name)).dot("sequence"), "??", .array([])))
            return [.forIn(item, tail, [emit("write", .unlabeled(.name(item)))])]
        default:
            let item = fresh("item")
            let tail = Expression.parenthesized(.binary(unparseNamed(pattern, field: field).dot("sequence"), "??", .array([])))
            return [.forIn(item, tail, [emit("write", .unlabeled(.name(item)))])]
        }
    }

    mutating func writeNamed(_ pattern: Schema.NamedPattern, field: (Symbol) -> Expression) -> [Statement] {
        switch pattern {
        case .named(let binding): writeSimple(binding.pattern, field(binding.name))
        case .anonymous(.simplePattern(let simple)): writeAnonymousSimple(simple)
        case .anonymous(.compoundPattern(let compound)): writeCompound(compound, field: field)
        }
    }

    mutating func writeNamedSimple(_ pattern: Schema.NamedSimplePattern, field: (Symbol) -> Expression) -> [Statement] {
        switch pattern {
        case .named(let binding): writeSimple(binding.pattern, field(binding.name))
        case .anonymous(let simple): writeAnonymousSimple(simple)
        }
    }

    mutating func writeAnonymousSimple(_ simple: Schema.SimplePattern) -> [Statement] {
        if case .lit(let literal) = simple { return writeLiteral(literal) }
        return [emit("beginSequence"), emit("end")]
    }
}

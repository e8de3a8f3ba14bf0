import Preserves
import PreservesSchema

/// Builds the dataspace patterns of one definition: static functions returning a
/// `DataspacePatterns.TypedPattern` that observes the definition's values, with a
/// `FieldPattern` parameter per field (open by default, a literal, or a nested pattern).
///
/// The shape is what a dataspace pattern can say of the schema: record labels, literal
/// positions, group entries. What it cannot (atom kinds, collection contents, alternatives
/// of a union, compound literals) the typed pattern's parse and check enforce, so a value
/// that matches the shape but not the schema fails to decode.
struct DataspacePatternCode {
    let model: TypeModel
    let module: ModuleModel
    let location: PatternsLocation
    let access: String
    let definition: DefinitionModel
    /// How the embedded type is spelled in the functions.
    let embedded: TypeUsage
    /// Generic parameters of the functions (for types independent of embedding).
    let generics: [GenericParameter]
    var code: PatternCode

    init(model: TypeModel, module: ModuleModel, location: PatternsLocation, access: String,
         definition: DefinitionModel, embedded: TypeUsage, generics: [GenericParameter]) {
        self.model = model
        self.module = module
        self.location = location
        self.access = access
        self.definition = definition
        self.embedded = embedded
        self.generics = generics
        self.code = PatternCode(model: model, module: module, definition: definition.name, embedded: embedded)
    }

    var errorType: TypeUsage { PatternCode.errorType }
    var definitionLiteral: Expression { .string(definition.name.description) }

    func supportType(_ name: String, _ generics: [TypeUsage]) -> TypeUsage {
        .named(location.path + [name], generics: generics)
    }

    var patternType: TypeUsage { supportType("Pattern", [embedded]) }
    var pattern: Expression { .type(patternType) }
    func typedPattern(_ output: TypeUsage) -> TypeUsage { supportType("TypedPattern", [embedded, output]) }
    func fieldPattern(_ field: FieldType) -> TypeUsage { supportType("FieldPattern", [embedded, code.spell(field)]) }

    /// A parameter for a field, open by default.
    func parameter(_ field: FieldModel) -> Parameter {
        Parameter(name: field.swiftName == "inout" ? "`inout`" : field.swiftName, type: fieldPattern(field.type), defaultValue: .member(nil, "any"))
    }

    func unlabeledParameter(_ name: String, _ type: FieldType) -> Parameter {
        Parameter(label: "_", name: name, type: fieldPattern(type), defaultValue: .member(nil, "any"))
    }

    /// `try name.check(value, "module.Name")`
    func check(_ name: String, _ value: Expression) -> Statement {
        .expression(Expression.name(name).dot("check").call(.unlabeled(value), .unlabeled(definitionLiteral)).tried)
    }

    // MARK: Declarations

    /// Members of the generated struct or enum.
    mutating func typeMembers() -> [Declaration] {
        let selfType = TypeUsage.named("Self")
        switch definition.shape {
        case .alias:
            return []
        case .newtype(let type):
            guard case .pattern(.simplePattern(let simple)) = definition.definition else { return [] }
            return [function(
                documentation: ["Observes `\(definition.name)` values whose value matches `value`."],
                name: "pattern", parameters: [unlabeledParameter("value", type)], output: selfType,
                shape: fieldShape("value", type: type, simple), parse: parseSelf,
                check: [check("value", Expression.name("_result").dot("value"))])]
        case .unit:
            guard case .pattern(.simplePattern(let simple)) = definition.definition else { return [] }
            return [function(
                documentation: ["Observes the literal `\(definition.name)`."],
                name: "pattern", parameters: [], output: selfType,
                shape: openShape(simple), parse: parseSelf, check: [])]
        case .structure(let fields):
            return [function(
                documentation: [
                    "Observes `\(definition.name)` values; each field is open unless constrained to a",
                    "literal or a nested pattern.",
                ],
                name: "pattern", parameters: fields.map(parameter), output: selfType,
                shape: definitionShape(definition.definition), parse: parseSelf,
                check: fields.map { check(SwiftNames.escaped($0.swiftName), Expression.name("_result").dot(SwiftNames.escaped($0.swiftName))) })]
        case .enumeration(let cases):
            let whole = cases.contains { $0.swiftName == "pattern" } ? "pattern_" : "pattern"
            var members: [Declaration] = [function(
                documentation: [
                    "Observes every `\(definition.name)` value. A dataspace pattern cannot express",
                    "alternatives, so this matches any value and decoding keeps those that parse.",
                ],
                name: whole, parameters: [], output: selfType, shape: pattern.dot("discard"),
                parse: parseSelf, check: [])]
            for c in cases { members.append(alternative(c)) }
            return members
        }
    }

    /// `try Self(preserves: _value)`
    var parseSelf: Expression { Expression.name("Self").call(.labeled("preserves", .name("_value"))).tried }

    /// Members of the namespace, for definitions that are typealiases.
    mutating func namespaceMembers() -> [Declaration] {
        guard case .alias(let type) = definition.shape,
            case .pattern(.simplePattern(let simple)) = definition.definition
        else { return [] }
        let output = code.spell(.ref(definition.name))
        let parse = Expression.type(.named(module.namespace)).dot("parse\(definition.swiftName)").call(.unlabeled(.name("_value"))).tried
        return [function(
            documentation: ["Observes `\(definition.name)` values that match `value`."],
            name: "pattern\(definition.swiftName)", parameters: [unlabeledParameter("value", type)],
            output: output, shape: fieldShape("value", type: type, simple), parse: parse,
            check: [check("value", .name("_result"))])]
    }

    /// The pattern of one alternative of a union: its values, decoded as that case.
    mutating func alternative(_ c: CaseModel) -> Declaration {
        let caseName = SwiftNames.escaped(c.swiftName)
        let mismatch: [Statement] = [.throwStatement(Expression.type(errorType).call(
            .labeled("definition", definitionLiteral), .labeled("expected", .string("the alternative \(c.label)"))))]
        let documentation = ["Observes `\(definition.name)` values of the alternative `\(c.label)`."]
        let name = c.swiftName + "Pattern"
        let selfType = TypeUsage.named("Self")
        let result = Expression.name("_result")
        switch (c.pattern, c.payload) {
        case (.simplePattern(let simple), .single(let type)):
            return function(
                documentation: documentation, name: name, parameters: [unlabeledParameter("payload", type)], output: selfType,
                shape: fieldShape("payload", type: type, simple), parse: parseSelf,
                check: [
                    .guardStatement([.matches(.enumCase(caseName, bindings: ["_payload"]), result)], else: mismatch),
                    check("payload", .name("_payload")),
                ])
        case (.simplePattern(let simple), _):
            return function(
                documentation: documentation, name: name, parameters: [], output: selfType,
                shape: openShape(simple), parse: parseSelf,
                check: [.guardStatement([.matches(.enumCase(caseName, bindings: nil), result)], else: mismatch)])
        case (.compoundPattern(let compound), .fields(let fields)):
            return function(
                documentation: documentation, name: name, parameters: fields.map(parameter), output: selfType,
                shape: compoundShape(compound), parse: parseSelf,
                check: [.guardStatement([.matches(.enumCase(caseName, bindings: fields.indices.map { "_f\($0)" }), result)], else: mismatch)]
                    + fields.enumerated().map { check(SwiftNames.escaped($0.element.swiftName), .name("_f\($0.offset)")) })
        case (.compoundPattern(let compound), _):
            return function(
                documentation: documentation, name: name, parameters: [], output: selfType,
                shape: compoundShape(compound), parse: parseSelf,
                check: [.guardStatement([.matches(.enumCase(caseName, bindings: nil), result)], else: mismatch)])
        }
    }

    func function(
        documentation: [String], name: String, parameters: [Parameter], output: TypeUsage,
        shape: Expression, parse: Expression, check: [Statement]
    ) -> Declaration {
        let result = typedPattern(output)
        let parseClosure = Argument.labeled("parse", .closure(Closure(
            parameters: [ClosureParameter(name: "_value", type: LiteralCode.valueType(embedded))],
            throwing: errorType, result: output, body: [.expression(parse)])))
        let body: [Statement] =
            if check.isEmpty {
                [.returnStatement(Expression.type(result).call(.labeled("shape", shape), parseClosure))]
            } else {
                [
                    .declare(.let, .name("_shape"), type: patternType, value: shape),
                    .returnStatement(Expression.type(result).call(
                        .labeled("shape", .name("_shape")), parseClosure,
                        .labeled("check", .closure(Closure(
                            parameters: [ClosureParameter(name: "_result", type: output)], throwing: errorType, body: check))))),
                ]
            }
        return .function(FunctionDescription(
            documentation: documentation, access: access, modifiers: ["static"], kind: .function(name),
            generics: generics, parameters: parameters, result: result, body: body))
    }

    // MARK: Shapes

    /// The shape of a whole definition.
    mutating func definitionShape(_ d: Schema.Definition) -> Expression {
        switch d {
        case .pattern(.simplePattern(let simple)):
            return openShape(simple)
        case .pattern(.compoundPattern(let compound)):
            return compoundShape(compound)
        case .and(let a, let b, let rest):
            var shape = namedShape(a)
            for part in [b] + rest { shape = pattern.dot("intersection").call(.unlabeled(shape), .unlabeled(namedShape(part))) }
            return shape
        case .or:
            return pattern.dot("discard")
        }
    }

    /// A position the caller leaves open: a literal's pattern; for a reference to a record,
    /// sequence or dictionary definition, a group of that kind with no entries (the label is
    /// what the dataspace's index branches on); otherwise any value.
    func openShape(_ simple: Schema.SimplePattern) -> Expression {
        switch simple {
        case .lit(let literal):
            return pattern.dot("literal").call(.unlabeled(LiteralCode.value(literal, embedded: embedded)))
        case .ref(let ref):
            return referenceShape(model.resolve(ref, from: module.path), visited: [])
        default:
            return pattern.dot("discard")
        }
    }

    /// The outermost shape of a referenced definition, through aliases (not into its fields,
    /// so recursive definitions end).
    func referenceShape(_ q: QualifiedName, visited: Set<QualifiedName>) -> Expression {
        guard !visited.contains(q), let d = model.definition(q) else { return pattern.dot("discard") }
        let group = pattern.dot("group")
        switch d.definition {
        case .pattern(.simplePattern(.lit(let literal))):
            return pattern.dot("literal").call(.unlabeled(LiteralCode.value(literal, embedded: embedded)))
        case .pattern(.simplePattern(.ref(let next))):
            return referenceShape(model.resolve(next, from: q.module), visited: visited.union([q]))
        case .pattern(.compoundPattern(.rec(.anonymous(.simplePattern(.lit(let label))), _))):
            let type = Expression.member(nil, "rec").call(.labeled("label", LiteralCode.value(label, embedded: embedded)))
            return group.call(.labeled("type", type), .labeled("entries", .dictionary([])))
        case .pattern(.compoundPattern(.tuple)), .pattern(.compoundPattern(.tuplePrefix)):
            return group.call(.labeled("type", .member(nil, "arr")), .labeled("entries", .dictionary([])))
        case .pattern(.compoundPattern(.dict)):
            return group.call(.labeled("type", .member(nil, "dict")), .labeled("entries", .dictionary([])))
        default:
            return pattern.dot("discard")
        }
    }

    /// A field's part of the shape, from its `FieldPattern` parameter `name`.
    mutating func fieldShape(_ name: String, type: FieldType, _ simple: Schema.SimplePattern) -> Expression {
        let literal = Closure(parameters: [ClosureParameter(name: "_x", type: code.spell(type))],
                              body: [.expression(code.unparseExpression(simple, .name("_x")))])
        return Expression.name(name).dot("shape").call(.labeled("open", openShape(simple)), .labeled("literal", .closure(literal)))
    }

    mutating func bindingShape(_ binding: Schema.Binding) -> Expression {
        guard let type = model.fieldType(binding.pattern, in: module.path) else { return openShape(binding.pattern) }
        return fieldShape(SwiftNames.escaped(SwiftNames.memberName(binding.name.name)), type: type, binding.pattern)
    }

    mutating func namedShape(_ p: Schema.NamedPattern) -> Expression {
        switch p {
        case .named(let binding): bindingShape(binding)
        case .anonymous(.simplePattern(let simple)): openShape(simple)
        case .anonymous(.compoundPattern(let compound)): compoundShape(compound)
        }
    }

    mutating func namedSimpleShape(_ p: Schema.NamedSimplePattern) -> Expression {
        switch p {
        case .named(let binding): bindingShape(binding)
        case .anonymous(let simple): openShape(simple)
        }
    }

    mutating func compoundShape(_ p: Schema.CompoundPattern) -> Expression {
        let group = pattern.dot("group")
        switch p {
        case .rec(let label, let fields):
            let items: [Schema.NamedPattern] =
                switch fields {
                case .anonymous(.compoundPattern(.tuple(let items))): items
                case .anonymous(.compoundPattern(.tuplePrefix(let fixed, _))): fixed
                default: []
                }
            guard case .anonymous(.simplePattern(.lit(let labelValue))) = label else {
                // A label bound to a field is a group only when the caller gives it as a literal.
                return pattern.dot("record").call(.labeled("label", namedShape(label)), .labeled("entries", indexed(items)))
            }
            let type = Expression.member(nil, "rec").call(.labeled("label", LiteralCode.value(labelValue, embedded: embedded)))
            return group.call(.labeled("type", type), .labeled("entries", indexed(items)))
        case .tuple(let items):
            return group.call(.labeled("type", .member(nil, "arr")), .labeled("entries", indexed(items)))
        case .tuplePrefix(let fixed, _):
            return group.call(.labeled("type", .member(nil, "arr")), .labeled("entries", indexed(fixed)))
        case .dict(let entries):
            let parts = entries.sorted { $0.key < $1.key }.map { entry in
                DictionaryEntry(key: LiteralCode.value(entry.key, embedded: embedded), value: namedSimpleShape(entry.value))
            }
            return group.call(.labeled("type", .member(nil, "dict")), .labeled("entries", .dictionary(parts)))
        }
    }

    mutating func indexed(_ items: [Schema.NamedPattern]) -> Expression {
        if items.isEmpty { return .dictionary([]) }
        return pattern.dot("indexed").call(.unlabeled(.array(items.map { namedShape($0) })))
    }
}

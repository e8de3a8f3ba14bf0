import Preserves
import PreservesSchema

/// Writes the dataspace patterns of one definition: static functions returning a
/// `DataspacePatterns.TypedPattern` that observes the definition's values, with a
/// `FieldPattern` parameter per field (open by default, a literal, or a nested pattern).
///
/// The shape is what a dataspace pattern can say of the schema: record labels, literal
/// positions, group entries. What it cannot (atom kinds, exact arity, collection contents,
/// alternatives of a union, compound literals) the typed pattern's parse and check enforce,
/// so a value that matches the shape but not the schema fails to decode.
struct DataspacePatternCode {
    let model: TypeModel
    let module: ModuleModel
    let location: PatternsLocation
    let access: String
    let definition: DefinitionModel
    /// How the embedded type is spelled in the functions.
    let embedded: String
    /// Generic parameters of the functions (for types independent of embedding).
    let generics: String
    var code: PatternCode

    init(model: TypeModel, module: ModuleModel, location: PatternsLocation, access: String,
         definition: DefinitionModel, embedded: String, generics: String) {
        self.model = model
        self.module = module
        self.location = location
        self.access = access
        self.definition = definition
        self.embedded = embedded
        self.generics = generics
        self.code = PatternCode(model: model, module: module, definition: definition.name, embedded: embedded)
    }

    var patternType: String { "\(location.prefix)Pattern<\(embedded)>" }
    var errorType: String { "Preserves.SchemaParseError" }
    var definitionLiteral: String { LiteralCode.string(definition.name.description) }

    func typedPattern(_ output: String) -> String { "\(location.prefix)TypedPattern<\(embedded), \(output)>" }
    func fieldPattern(_ field: FieldType) -> String { "\(location.prefix)FieldPattern<\(embedded), \(code.spell(field))>" }

    /// An argument label for a field (labels may be keywords unescaped, except inout).
    func label(_ field: FieldModel) -> String {
        field.swiftName == "inout" ? "`inout`" : field.swiftName
    }

    func parameter(_ field: FieldModel) -> String {
        "\(label(field)): \(fieldPattern(field.type)) = .any"
    }

    // MARK: Declarations

    /// Members of the generated struct or enum.
    mutating func typeMembers() -> [SwiftDeclaration] {
        switch definition.shape {
        case .alias:
            return []
        case .newtype(let type):
            guard case .pattern(.simplePattern(let simple)) = definition.definition else { return [] }
            let shape = fieldShape("value", type: type, simple)
            return [function(
                documentation: ["Observes `\(definition.name)` values whose value matches `value`."],
                name: "pattern", parameters: ["_ value: \(fieldPattern(type)) = .any"], output: "Self",
                shape: shape, parse: "try Self(preserves: _value)",
                check: [.line("try value.check(_result.value, \(definitionLiteral))")])]
        case .unit:
            guard case .pattern(.simplePattern(let simple)) = definition.definition else { return [] }
            return [function(
                documentation: ["Observes the literal `\(definition.name)`."],
                name: "pattern", parameters: [], output: "Self",
                shape: openShape(simple), parse: "try Self(preserves: _value)", check: [])]
        case .structure(let fields):
            let shape = definitionShape(definition.definition)
            return [function(
                documentation: [
                    "Observes `\(definition.name)` values; each field is open unless constrained to a",
                    "literal or a nested pattern.",
                ],
                name: "pattern", parameters: fields.map(parameter), output: "Self",
                shape: shape, parse: "try Self(preserves: _value)",
                check: fields.map { .line("try \(SwiftNames.escaped($0.swiftName)).check(_result.\(SwiftNames.escaped($0.swiftName)), \(definitionLiteral))") })]
        case .enumeration(let cases):
            let whole = cases.contains { $0.swiftName == "pattern" } ? "pattern_" : "pattern"
            var members: [SwiftDeclaration] = [function(
                documentation: [
                    "Observes every `\(definition.name)` value. A dataspace pattern cannot express",
                    "alternatives, so this matches any value and decoding keeps those that parse.",
                ],
                name: whole, parameters: [], output: "Self", shape: "\(patternType).discard",
                parse: "try Self(preserves: _value)", check: [])]
            for c in cases { members.append(alternative(c)) }
            return members
        }
    }

    /// Members of the namespace, for definitions that are typealiases.
    mutating func namespaceMembers() -> [SwiftDeclaration] {
        guard case .alias(let type) = definition.shape,
            case .pattern(.simplePattern(let simple)) = definition.definition
        else { return [] }
        let output = code.spell(.ref(definition.name))
        let shape = fieldShape("value", type: type, simple)
        return [function(
            documentation: ["Observes `\(definition.name)` values that match `value`."],
            name: "pattern\(definition.swiftName)", parameters: ["_ value: \(fieldPattern(type)) = .any"],
            output: output, shape: shape, parse: "try \(module.namespace).parse\(definition.swiftName)(_value)",
            check: [.line("try value.check(_result, \(definitionLiteral))")])]
    }

    /// The pattern of one alternative of a union: its values, decoded as that case.
    mutating func alternative(_ c: CaseModel) -> SwiftDeclaration {
        let caseName = SwiftNames.escaped(c.swiftName)
        let mismatch = "throw \(errorType)(definition: \(definitionLiteral), expected: \(LiteralCode.string("the alternative \(c.label)")))"
        let documentation = ["Observes `\(definition.name)` values of the alternative `\(c.label)`."]
        let name = c.swiftName + "Pattern"
        switch (c.pattern, c.payload) {
        case (.simplePattern(let simple), .single(let type)):
            return function(
                documentation: documentation, name: name,
                parameters: ["_ payload: \(fieldPattern(type)) = .any"], output: "Self",
                shape: fieldShape("payload", type: type, simple), parse: "try Self(preserves: _value)",
                check: [
                    .block("guard case .\(caseName)(let _payload) = _result else {", [.line(mismatch)]),
                    .line("try payload.check(_payload, \(definitionLiteral))"),
                ])
        case (.simplePattern(let simple), _):
            return function(
                documentation: documentation, name: name, parameters: [], output: "Self",
                shape: openShape(simple), parse: "try Self(preserves: _value)",
                check: [.block("guard case .\(caseName) = _result else {", [.line(mismatch)])])
        case (.compoundPattern(let compound), .fields(let fields)):
            let bound = fields.indices.map { "let _f\($0)" }.joined(separator: ", ")
            return function(
                documentation: documentation, name: name, parameters: fields.map(parameter), output: "Self",
                shape: compoundShape(compound), parse: "try Self(preserves: _value)",
                check: [.block("guard case .\(caseName)(\(bound)) = _result else {", [.line(mismatch)])]
                    + fields.enumerated().map { .line("try \(SwiftNames.escaped($0.element.swiftName)).check(_f\($0.offset), \(definitionLiteral))") })
        case (.compoundPattern(let compound), _):
            return function(
                documentation: documentation, name: name, parameters: [], output: "Self",
                shape: compoundShape(compound), parse: "try Self(preserves: _value)",
                check: [.block("guard case .\(caseName) = _result else {", [.line(mismatch)])])
        }
    }

    func function(
        documentation: [String], name: String, parameters: [String], output: String,
        shape: String, parse: String, check: [CodeLine]
    ) -> SwiftDeclaration {
        let result = typedPattern(output)
        let value = "Preserves.Value<\(embedded)>"
        let parseClosure = "parse: { (_value: \(value)) throws(\(errorType)) -> \(output) in \(parse) }"
        let body: [CodeLine] =
            if check.isEmpty {
                [.line("return \(result)(shape: \(shape), \(parseClosure))")]
            } else {
                [
                    .line("let _shape: \(patternType) = \(shape)"),
                    .block("return \(result)(shape: _shape, \(parseClosure), check: { (_result: \(output)) throws(\(errorType)) in",
                           check, close: "})"),
                ]
            }
        return .member(
            documentation: documentation,
            signature: "\(access) static func \(name)\(generics)(\(parameters.joined(separator: ", "))) -> \(result)",
            body: body)
    }

    // MARK: Shapes

    /// The shape of a whole definition.
    mutating func definitionShape(_ d: Schema.Definition) -> String {
        switch d {
        case .pattern(.simplePattern(let simple)):
            return openShape(simple)
        case .pattern(.compoundPattern(let compound)):
            return compoundShape(compound)
        case .and(let a, let b, let rest):
            var shape = namedShape(a)
            for part in [b] + rest { shape = "\(patternType).intersection(\(shape), \(namedShape(part)))" }
            return shape
        case .or:
            return "\(patternType).discard"
        }
    }

    /// A position the caller cannot constrain: a literal's pattern, or any value.
    func openShape(_ simple: Schema.SimplePattern) -> String {
        if case .lit(let literal) = simple {
            return "\(patternType).literal(\(LiteralCode.value(literal, embedded: embedded)))"
        }
        return "\(patternType).discard"
    }

    /// A field's part of the shape, from its `FieldPattern` parameter `name`.
    mutating func fieldShape(_ name: String, type: FieldType, _ simple: Schema.SimplePattern) -> String {
        let literal = code.unparseExpression(simple, "_x")
        return "\(name).shape(open: \(openShape(simple)), literal: { (_x: \(code.spell(type))) in \(literal) })"
    }

    mutating func bindingShape(_ binding: Schema.Binding) -> String {
        guard let type = model.fieldType(binding.pattern, in: module.path) else { return openShape(binding.pattern) }
        return fieldShape(SwiftNames.escaped(SwiftNames.memberName(binding.name.name)), type: type, binding.pattern)
    }

    mutating func namedShape(_ pattern: Schema.NamedPattern) -> String {
        switch pattern {
        case .named(let binding): bindingShape(binding)
        case .anonymous(.simplePattern(let simple)): openShape(simple)
        case .anonymous(.compoundPattern(let compound)): compoundShape(compound)
        }
    }

    mutating func namedSimpleShape(_ pattern: Schema.NamedSimplePattern) -> String {
        switch pattern {
        case .named(let binding): bindingShape(binding)
        case .anonymous(let simple): openShape(simple)
        }
    }

    mutating func compoundShape(_ pattern: Schema.CompoundPattern) -> String {
        switch pattern {
        case .rec(let label, let fields):
            let items: [Schema.NamedPattern] =
                switch fields {
                case .anonymous(.compoundPattern(.tuple(let items))): items
                case .anonymous(.compoundPattern(.tuplePrefix(let fixed, _))): fixed
                default: []
                }
            guard case .anonymous(.simplePattern(.lit(let labelValue))) = label else {
                // A label bound to a field is a group only when the caller gives it as a literal.
                return "\(patternType).record(label: \(namedShape(label)), entries: \(indexed(items)))"
            }
            return "\(patternType).group(type: .rec(label: \(LiteralCode.value(labelValue, embedded: embedded))), entries: \(indexed(items)))"
        case .tuple(let items):
            return "\(patternType).group(type: .arr, entries: \(indexed(items)))"
        case .tuplePrefix(let fixed, _):
            return "\(patternType).group(type: .arr, entries: \(indexed(fixed)))"
        case .dict(let entries):
            if entries.isEmpty { return "\(patternType).group(type: .dict, entries: [:])" }
            let parts = entries.sorted { $0.key < $1.key }.map { entry in
                "\(LiteralCode.value(entry.key, embedded: embedded)): \(namedSimpleShape(entry.value))"
            }
            return "\(patternType).group(type: .dict, entries: [\(parts.joined(separator: ", "))])"
        }
    }

    mutating func indexed(_ items: [Schema.NamedPattern]) -> String {
        if items.isEmpty { return "[:]" }
        return "\(patternType).indexed([\(items.map { namedShape($0) }.joined(separator: ", "))])"
    }
}

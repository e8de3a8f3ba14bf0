import Preserves
import PreservesSchema

/// The Swift API the generator produces for one schema definition, in the form documentation
/// pages and change reports show it: the type's name and kind, and its stored properties or
/// enum cases with their types.
///
/// Types are spelled for readers, not for the compiler: qualified with the namespace enum
/// (`Protocol.Turn<Embedded>`) and without the `Swift.`/`Preserves.` prefixes generated code uses.
public struct SwiftDefinitionAPI: Sendable, Hashable {
    /// The kind of declaration generated for a definition.
    public enum Kind: String, Sendable, Hashable {
        /// A simple pattern: a typealias with `parseX`/`serializeX` functions.
        case typeAlias = "typealias"
        /// A simple pattern that refers back to itself: a struct wrapping `value`.
        case wrapperStruct = "wrapper struct"
        /// A literal: a struct without stored properties.
        case unitStruct = "unit struct"
        /// A compound pattern or an intersection: a struct of the named fields.
        case structure = "struct"
        /// Alternatives: an enum with a case per alternative.
        case enumeration = "enum"
    }

    /// A stored property of a struct or a case of an enum.
    public struct Member: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable {
            case property = "var"
            case enumCase = "case"
        }

        public var kind: Kind
        /// The Swift name (unescaped), e.g. `observer`.
        public var swiftName: String
        /// The schema's name: a binding name for properties, the alternative's label for cases.
        public var schemaName: String
        /// A property's type; an enum case's payload as written after its name (`(Protocol.Turn<Embedded>)`
        /// or `(oid: SignedInteger, event: Protocol.Event<Embedded>)`); `nil` for a case without payload.
        public var type: String?

        public init(kind: Kind, swiftName: String, schemaName: String, type: String?) {
            self.kind = kind
            self.swiftName = swiftName
            self.schemaName = schemaName
            self.type = type
        }

        /// `var observer: Embedded` or `case turn(Protocol.Turn<Embedded>)`.
        public var description: String {
            switch kind {
            case .property: "var \(swiftName): \(type ?? "")"
            case .enumCase: "case \(swiftName)\(type ?? "")"
            }
        }
    }

    /// The schema module the definition belongs to.
    public var module: Schema.ModulePath
    /// The definition's name in the schema.
    public var definition: Symbol
    /// The type's name, qualified with its namespace enum, e.g. `Protocol.Packet`.
    public var typeName: String
    /// The generic parameter naming the embedded type, when the type is generic over it.
    public var genericParameter: String?
    public var kind: Kind
    /// The aliased type of a typealias, or the wrapped type of a wrapper struct.
    public var valueType: String?
    /// Stored properties (structs) or cases (enums), in declaration order.
    public var members: [Member]

    public init(
        module: Schema.ModulePath, definition: Symbol, typeName: String, genericParameter: String?,
        kind: Kind, valueType: String?, members: [Member]
    ) {
        self.module = module
        self.definition = definition
        self.typeName = typeName
        self.genericParameter = genericParameter
        self.kind = kind
        self.valueType = valueType
        self.members = members
    }

    /// The type as it is used, e.g. `Protocol.Packet<Embedded>`.
    public var spelledType: String {
        typeName + (genericParameter.map { "<\($0)>" } ?? "")
    }

    /// A one-line declaration, e.g. `enum Protocol.Packet<Embedded>` or `typealias Sturdy.Oid = SignedInteger`.
    public var declaration: String {
        switch kind {
        case .typeAlias: "typealias \(spelledType) = \(valueType ?? "")"
        case .wrapperStruct: "struct \(spelledType) { var value: \(valueType ?? "") }"
        case .unitStruct, .structure: "struct \(spelledType)"
        case .enumeration: "enum \(spelledType)"
        }
    }
}

extension SwiftGenerator {
    /// The Swift API generated for every definition of `modules`, by module path and name.
    /// `context` modules may be referred to (their types are spelled but not described). The
    /// modules are not checked; unknown references are spelled after their names.
    public func swiftAPI(
        for modules: [SchemaModule], context: [SchemaModule] = []
    ) throws(SwiftGenerationError) -> [Schema.ModulePath: [Symbol: SwiftDefinitionAPI]] {
        let model = try TypeModel(modules: modules, context: context, configuration: configuration)
        var result: [Schema.ModulePath: [Symbol: SwiftDefinitionAPI]] = [:]
        for module in modules {
            guard let moduleModel = model.modules[module.path] else { continue }
            let speller = SwiftAPISpeller(model: model, module: moduleModel)
            var definitions: [Symbol: SwiftDefinitionAPI] = [:]
            for (name, definition) in moduleModel.definitions {
                definitions[name] = speller.api(of: definition)
            }
            result[module.path] = definitions
        }
        return result
    }

    /// The namespace-qualified Swift type name of every definition of `modules`, e.g.
    /// `Protocol.Packet` for `protocol.Packet`.
    public func swiftTypeNames(
        for modules: [SchemaModule], context: [SchemaModule] = []
    ) throws(SwiftGenerationError) -> [Schema.ModulePath: [Symbol: String]] {
        try swiftAPI(for: modules, context: context).mapValues { $0.mapValues(\.typeName) }
    }
}

/// Spells the types of one module's definitions for readers.
struct SwiftAPISpeller {
    let model: TypeModel
    let module: ModuleModel

    /// The generated code's name for the embedded type parameter in this module.
    var embeddedParameter: String {
        module.definitions.keys.contains(Symbol("Embedded")) ? "Embedded_" : "Embedded"
    }

    /// How the embedded type is spelled: the generic parameter or the configured type.
    var embedded: String {
        switch model.configuration.embeddedType {
        case .generic: embeddedParameter
        case .concrete(let type): type
        }
    }

    func api(of d: DefinitionModel) -> SwiftDefinitionAPI {
        let isGeneric = model.configuration.embeddedType == .generic && model.embeddingDependent.contains(d.name)
        var kind: SwiftDefinitionAPI.Kind
        var valueType: String?
        var members: [SwiftDefinitionAPI.Member] = []
        switch d.shape {
        case .alias(let t):
            kind = .typeAlias
            valueType = spell(t)
        case .newtype(let t):
            kind = .wrapperStruct
            valueType = spell(t)
        case .unit:
            kind = .unitStruct
        case .structure(let fields):
            kind = fields.isEmpty ? .unitStruct : .structure
            members = fields.map { .init(kind: .property, swiftName: $0.swiftName, schemaName: $0.schemaName.name, type: spell($0.type)) }
        case .enumeration(let cases):
            kind = .enumeration
            members = cases.map { c in
                let payload: String? =
                    switch c.payload {
                    case .none: nil
                    case .single(let t): "(\(spell(t)))"
                    case .fields(let fields): "(" + fields.map { "\($0.swiftName): \(spell($0.type))" }.joined(separator: ", ") + ")"
                    }
                return .init(kind: .enumCase, swiftName: c.swiftName, schemaName: c.label, type: payload)
            }
        }
        return SwiftDefinitionAPI(
            module: module.path, definition: d.name.name, typeName: "\(module.namespace).\(d.swiftName)",
            genericParameter: isGeneric ? embeddedParameter : nil, kind: kind, valueType: valueType, members: members)
    }

    /// A field type as readers see it, rendered by the generators' renderer.
    func spell(_ t: FieldType) -> String {
        SwiftRenderer().type(usage(t))
    }

    func usage(_ t: FieldType) -> TypeUsage {
        switch t {
        case .any: .named("Value", [.named(embedded)])
        case .embedded: .named(embedded)
        case .atom(let kind): Self.atomType(kind)
        case .array(let e): .array(usage(e))
        case .set(let e): .named("Set", [usage(e)])
        case .dictionary(let k, let v): .dictionary(key: usage(k), value: usage(v))
        case .ref(let q): typeUsage(q)
        }
    }

    func typeName(_ q: QualifiedName) -> String {
        SwiftRenderer().type(typeUsage(q))
    }

    func typeUsage(_ q: QualifiedName) -> TypeUsage {
        let namespace = model.modules[q.module]?.namespace ?? SwiftNames.namespaceName(q.module.map(\.name))
        let name = model.definition(q)?.swiftName ?? SwiftNames.typeName(q.name.name)
        let generic = model.configuration.embeddedType == .generic && model.embeddingDependent.contains(q)
        return .named([namespace, name], generics: generic ? [.named(embedded)] : [])
    }

    static func atomType(_ kind: Schema.AtomKind) -> TypeUsage {
        switch kind {
        case .boolean: .named("Bool")
        case .double: .named("Double")
        case .signedInteger: .named("SignedInteger")
        case .string: .named("String")
        case .byteString: .array(.named("UInt8"))
        case .symbol: .named("Symbol")
        }
    }
}

import Preserves
import PreservesSchema

/// A definition's identity: its module and name.
struct QualifiedName: Hashable, Comparable, CustomStringConvertible {
    var module: Schema.ModulePath
    var name: Symbol

    static func < (a: QualifiedName, b: QualifiedName) -> Bool {
        (a.module.map(\.name).joined(separator: "."), a.name.name) < (b.module.map(\.name).joined(separator: "."), b.name.name)
    }

    /// `module.Name`, as error messages show it.
    var description: String { (module.map(\.name) + [name.name]).joined(separator: ".") }
}

/// The Swift type of a field, payload or alias, before it is spelled in a given context.
indirect enum FieldType: Hashable {
    case any
    case embedded
    case atom(Schema.AtomKind)
    case array(FieldType)
    case set(FieldType)
    case dictionary(FieldType, FieldType)
    case ref(QualifiedName)
}

/// A stored property of a generated struct, or a labelled payload of an enum case.
struct FieldModel: Hashable {
    var schemaName: Symbol
    var swiftName: String
    var type: FieldType
}

/// What an enum case carries.
enum CasePayload: Hashable {
    case none
    case single(FieldType)
    case fields([FieldModel])
}

struct CaseModel: Hashable {
    var label: String
    var swiftName: String
    var payload: CasePayload
    var pattern: Schema.Pattern
    var isIndirect: Bool
}

/// The Swift shape chosen for a definition.
enum DefinitionShape: Hashable {
    /// A simple non-literal pattern: a typealias plus parse/serialize functions.
    case alias(FieldType)
    /// A simple pattern that refers back to itself through aliases: a struct with `value`.
    case newtype(FieldType)
    /// A literal pattern: an empty struct.
    case unit
    /// A compound pattern or an intersection: a struct of its named fields.
    case structure([FieldModel])
    /// Alternatives: an enum with a case per alternative.
    case enumeration([CaseModel])
}

struct DefinitionModel {
    var name: QualifiedName
    var swiftName: String
    var definition: Schema.Definition
    var shape: DefinitionShape
    var documentation: [String]
}

/// Where the `dataspacePatterns` types (and the typed-pattern support) live.
struct PatternsLocation: Hashable {
    /// The Swift module to import, when it is not the one being generated.
    var swiftModule: String?
    var namespace: String

    /// The qualified name of the namespace, e.g. `SyndicateProtocols.DataspacePatterns`.
    var path: [String] { (swiftModule.map { [$0] } ?? []) + [namespace] }
}

/// A module's definitions and where its Swift types live.
struct ModuleModel {
    var path: Schema.ModulePath
    var namespace: String
    /// The Swift module holding the types, when it is not the one being generated.
    var externalSwiftModule: String?
    var source: SchemaModule
    var definitions: [Symbol: DefinitionModel]
}

/// The resolved view of a set of schemas that the Swift translator works from.
struct TypeModel {
    let configuration: SwiftGeneratorConfiguration
    var modules: [Schema.ModulePath: ModuleModel] = [:]
    /// Definitions whose types depend on the embedded type (contain `any` or `#:`).
    var embeddingDependent: Set<QualifiedName> = []
    /// Where the dataspace pattern types are, when patterns are generated (see
    /// ``SwiftGeneratorConfiguration/dataspacePatterns``).
    var patterns: PatternsLocation?

    /// Builds the model. `modules` are generated; `context` modules are only referred to.
    init(modules: [SchemaModule], context: [SchemaModule], configuration: SwiftGeneratorConfiguration) throws(SwiftGenerationError) {
        self.configuration = configuration
        for (module, isContext) in modules.map({ ($0, false) }) + context.map({ ($0, true) }) {
            let dotted = module.dottedPath
            let namespace = configuration.namespaces[dotted] ?? SwiftNames.namespaceName(module.path.map(\.name))
            let external = isContext ? (Self.mapping(for: module.path, in: configuration) ?? "") : nil
            var model = ModuleModel(path: module.path, namespace: namespace, externalSwiftModule: external, source: module, definitions: [:])
            for (name, definition) in module.schema.definitions {
                let qualified = QualifiedName(module: module.path, name: name)
                model.definitions[name] = DefinitionModel(
                    name: qualified, swiftName: SwiftNames.typeName(name.name), definition: definition,
                    shape: .unit, documentation: module.documentation[name] ?? [])
            }
            self.modules[module.path] = model
        }
        for path in self.modules.keys {
            for name in self.modules[path]!.definitions.keys {
                let shape = try shape(of: self.modules[path]!.definitions[name]!)
                self.modules[path]!.definitions[name]!.shape = shape
            }
        }
        computeEmbeddingDependence()
        try computeRecursion()
        patterns = locatePatterns()
    }

    /// The schema module whose `Pattern` type dataspaces match with.
    static let patternsModulePath: Schema.ModulePath = [Symbol("dataspacePatterns")]

    /// Patterns are generated where `dataspacePatterns` is generated here with a generic
    /// embedded type, or is mapped to the Swift module that holds its (generic) types.
    func locatePatterns() -> PatternsLocation? {
        guard configuration.dataspacePatterns, let m = modules[Self.patternsModulePath],
            m.definitions[Symbol("Pattern")] != nil, m.definitions[Symbol("AnyAtom")] != nil,
            m.definitions[Symbol("GroupType")] != nil
        else { return nil }
        switch m.externalSwiftModule {
        case nil:
            guard configuration.embeddedType == .generic else { return nil }
            return PatternsLocation(swiftModule: nil, namespace: m.namespace)
        case let module?:
            return module.isEmpty ? nil : PatternsLocation(swiftModule: module, namespace: m.namespace)
        }
    }

    static func mapping(for path: Schema.ModulePath, in configuration: SwiftGeneratorConfiguration) -> String? {
        // The longest mapped prefix wins: {"a": "A", "a.b": "AB"} sends a.b.c to AB.
        let dotted = path.map(\.name)
        for length in stride(from: dotted.count, through: 1, by: -1) {
            if let module = configuration.moduleMappings[dotted.prefix(length).joined(separator: ".")] { return module }
        }
        return nil
    }

    func definition(_ name: QualifiedName) -> DefinitionModel? {
        modules[name.module]?.definitions[name.name]
    }

    /// Resolves a reference written in `module`.
    func resolve(_ ref: Schema.Ref, from module: Schema.ModulePath) -> QualifiedName {
        QualifiedName(module: ref.module.isEmpty ? module : ref.module, name: ref.name)
    }

    // MARK: Shapes

    func shape(of model: DefinitionModel) throws(SwiftGenerationError) -> DefinitionShape {
        let module = model.name.module
        switch model.definition {
        case .pattern(.simplePattern(let simple)):
            guard let type = fieldType(simple, in: module) else { return .unit }
            return .alias(type)
        case .pattern(.compoundPattern(let compound)):
            return .structure(try uniqueFields(fields(compound, in: module), in: model))
        case .and(let a, let b, let rest):
            let all = ([a, b] + rest).flatMap { fields($0, in: module) }
            return .structure(try uniqueFields(all, in: model))
        case .or(let a, let b, let rest):
            var cases: [CaseModel] = []
            var names = Set<String>()
            for alternative in [a, b] + rest {
                let swiftName = SwiftNames.memberName(alternative.variantLabel)
                guard names.insert(swiftName).inserted else {
                    throw SwiftGenerationError(model.name, "two alternatives are both named \(swiftName) in Swift")
                }
                let payload: CasePayload
                switch alternative.pattern {
                case .simplePattern(let simple):
                    payload = fieldType(simple, in: module).map(CasePayload.single) ?? .none
                case .compoundPattern(let compound):
                    let fields = try uniqueFields(fields(compound, in: module), in: model)
                    payload = fields.isEmpty ? .none : .fields(fields)
                }
                cases.append(CaseModel(label: alternative.variantLabel, swiftName: swiftName, payload: payload,
                                       pattern: alternative.pattern, isIndirect: false))
            }
            return .enumeration(cases)
        }
    }

    func uniqueFields(_ fields: [FieldModel], in model: DefinitionModel) throws(SwiftGenerationError) -> [FieldModel] {
        var seen = Set<String>()
        for field in fields where !seen.insert(field.swiftName).inserted {
            throw SwiftGenerationError(model.name, "two fields are both named \(field.swiftName) in Swift")
        }
        return fields
    }

    /// The Swift type of values matching `pattern`; `nil` for literals, which carry no data.
    func fieldType(_ pattern: Schema.SimplePattern, in module: Schema.ModulePath) -> FieldType? {
        switch pattern {
        case .any: return .any
        case .atom(let kind): return .atom(kind)
        case .embedded: return .embedded
        case .lit: return nil
        case .seqof(let p): return .array(fieldType(p, in: module) ?? .any)
        case .setof(let p): return .set(fieldType(p, in: module) ?? .any)
        case .dictof(let k, let v): return .dictionary(fieldType(k, in: module) ?? .any, fieldType(v, in: module) ?? .any)
        case .ref(let ref): return .ref(resolve(ref, from: module))
        }
    }

    /// The named fields of a compound pattern, in the order the pattern mentions them.
    func fields(_ pattern: Schema.CompoundPattern, in module: Schema.ModulePath) -> [FieldModel] {
        switch pattern {
        case .rec(let label, let fields):
            return self.fields(label, in: module) + self.fields(fields, in: module)
        case .tuple(let items):
            return items.flatMap { fields($0, in: module) }
        case .tuplePrefix(let fixed, let variable):
            return fixed.flatMap { fields($0, in: module) } + fields(variable, in: module)
        case .dict(let entries):
            return entries.sorted { $0.key < $1.key }.flatMap { fields($0.value, in: module) }
        }
    }

    func fields(_ pattern: Schema.NamedPattern, in module: Schema.ModulePath) -> [FieldModel] {
        switch pattern {
        case .named(let binding): return field(binding, in: module)
        case .anonymous(.simplePattern): return []
        case .anonymous(.compoundPattern(let c)): return fields(c, in: module)
        }
    }

    func fields(_ pattern: Schema.NamedSimplePattern, in module: Schema.ModulePath) -> [FieldModel] {
        switch pattern {
        case .named(let binding): return field(binding, in: module)
        case .anonymous: return []
        }
    }

    func field(_ binding: Schema.Binding, in module: Schema.ModulePath) -> [FieldModel] {
        guard let type = fieldType(binding.pattern, in: module) else { return [] }
        return [FieldModel(schemaName: binding.name, swiftName: SwiftNames.memberName(binding.name.name), type: type)]
    }

    // MARK: Embedding dependence

    /// The types a shape mentions directly.
    static func types(in shape: DefinitionShape) -> [FieldType] {
        switch shape {
        case .alias(let t), .newtype(let t): [t]
        case .unit: []
        case .structure(let fields): fields.map(\.type)
        case .enumeration(let cases):
            cases.flatMap { c -> [FieldType] in
                switch c.payload {
                case .none: []
                case .single(let t): [t]
                case .fields(let fields): fields.map(\.type)
                }
            }
        }
    }

    mutating func computeEmbeddingDependence() {
        func depends(_ t: FieldType, _ known: Set<QualifiedName>) -> Bool {
            switch t {
            case .any, .embedded: true
            case .atom: false
            case .array(let e), .set(let e): depends(e, known)
            case .dictionary(let k, let v): depends(k, known) || depends(v, known)
            case .ref(let q): known.contains(q)
            }
        }
        let all = modules.values.flatMap { $0.definitions.values }
        var known = Set<QualifiedName>()
        var changed = true
        while changed {
            changed = false
            for d in all where !known.contains(d.name) {
                if Self.types(in: d.shape).contains(where: { depends($0, known) }) {
                    known.insert(d.name)
                    changed = true
                }
            }
        }
        embeddingDependent = known
    }

    // MARK: Recursion

    /// Definitions held inline (not behind a collection) by a value of type `t`, looking
    /// through aliases.
    func inlineReferences(_ t: FieldType, visitingAliases: inout Set<QualifiedName>) -> [QualifiedName] {
        switch t {
        case .any, .embedded, .atom, .array, .set, .dictionary: return []
        case .ref(let q):
            guard let d = definition(q) else { return [] }
            if case .alias(let inner) = d.shape {
                guard visitingAliases.insert(q).inserted else { return [] }
                return inlineReferences(inner, visitingAliases: &visitingAliases)
            }
            return [q]
        }
    }

    /// Whether an alias refers back to itself through aliases and collections (which a Swift
    /// typealias cannot express).
    func aliasIsRecursive(_ start: QualifiedName) -> Bool {
        var stack: [FieldType] = []
        if case .alias(let t)? = definition(start)?.shape { stack = [t] }
        var seen = Set<QualifiedName>()
        while let t = stack.popLast() {
            switch t {
            case .any, .embedded, .atom: break
            case .array(let e), .set(let e): stack.append(e)
            case .dictionary(let k, let v): stack.append(k); stack.append(v)
            case .ref(let q):
                if q == start { return true }
                if case .alias(let inner)? = definition(q)?.shape, seen.insert(q).inserted { stack.append(inner) }
            }
        }
        return false
    }

    /// Turns recursive aliases into newtypes and marks enum cases that must be `indirect`: those
    /// whose payload holds inline a type in the same strongly connected component as the enum.
    mutating func computeRecursion() throws(SwiftGenerationError) {
        for path in modules.keys {
            for name in modules[path]!.definitions.keys {
                let q = QualifiedName(module: path, name: name)
                if aliasIsRecursive(q), case .alias(let t) = modules[path]!.definitions[name]!.shape {
                    modules[path]!.definitions[name]!.shape = .newtype(t)
                }
            }
        }
        let all = modules.values.flatMap { $0.definitions.values }.map(\.name).sorted()
        var edges: [QualifiedName: [QualifiedName]] = [:]
        for q in all {
            var visiting = Set<QualifiedName>()
            edges[q] = Self.types(in: definition(q)!.shape).flatMap { inlineReferences($0, visitingAliases: &visiting) }
        }
        let component = StronglyConnectedComponents.components(of: all, edges: edges)
        for q in all {
            guard case .enumeration(var cases) = definition(q)!.shape else { continue }
            for i in cases.indices {
                var visiting = Set<QualifiedName>()
                let payloadTypes: [FieldType] =
                    switch cases[i].payload {
                    case .none: []
                    case .single(let t): [t]
                    case .fields(let fields): fields.map(\.type)
                    }
                cases[i].isIndirect = payloadTypes
                    .flatMap { inlineReferences($0, visitingAliases: &visiting) }
                    .contains { component[$0] == component[q] }
            }
            modules[q.module]!.definitions[q.name]!.shape = .enumeration(cases)
        }
        // A cycle that passes through no enum has no finite values and no Swift layout.
        for q in all {
            guard case .structure = definition(q)!.shape else { continue }
            let members = all.filter { component[$0] == component[q] }
            let cyclic = members.count > 1 || (edges[q] ?? []).contains(q)
            if cyclic && !members.contains(where: { if case .enumeration = definition($0)!.shape { true } else { false } }) {
                throw SwiftGenerationError(q, "is recursive without alternatives, so it has no finite values")
            }
        }
    }
}

/// Tarjan's algorithm: the strongly connected component of every node.
enum StronglyConnectedComponents {
    static func components<Node: Hashable>(of nodes: [Node], edges: [Node: [Node]]) -> [Node: Int] {
        var index = 0
        var indices: [Node: Int] = [:]
        var lowlink: [Node: Int] = [:]
        var onStack = Set<Node>()
        var stack: [Node] = []
        var component: [Node: Int] = [:]
        var next = 0
        func visit(_ v: Node) {
            indices[v] = index
            lowlink[v] = index
            index += 1
            stack.append(v)
            onStack.insert(v)
            for w in edges[v] ?? [] {
                if indices[w] == nil {
                    visit(w)
                    lowlink[v] = min(lowlink[v]!, lowlink[w]!)
                } else if onStack.contains(w) {
                    lowlink[v] = min(lowlink[v]!, indices[w]!)
                }
            }
            if lowlink[v] == indices[v] {
                while let w = stack.popLast() {
                    onStack.remove(w)
                    component[w] = next
                    if w == v { break }
                }
                next += 1
            }
        }
        for v in nodes where indices[v] == nil { visit(v) }
        return component
    }
}

/// A schema the Swift generator cannot translate.
public struct SwiftGenerationError: Error, Sendable, CustomStringConvertible {
    public var definition: String
    public var message: String

    init(_ definition: QualifiedName, _ message: String) {
        self.definition = definition.description
        self.message = message
    }

    public var description: String { "\(definition): error: \(message)" }
}

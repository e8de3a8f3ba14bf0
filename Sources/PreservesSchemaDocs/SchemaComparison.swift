import Preserves
import PreservesCodeGen
import PreservesSchema

/// Compares two revisions of a set of schemas into a ``SchemaChangeReport``: metaschema values
/// decide what changed, the Swift generator's type model decides what that does to the Swift API.
public struct SchemaComparison: Sendable {
    /// The generator configuration both revisions are generated with.
    public var configuration: SwiftGeneratorConfiguration

    public init(configuration: SwiftGeneratorConfiguration = SwiftGeneratorConfiguration()) {
        self.configuration = configuration
    }

    /// The changes from `old` to `new`. `context` modules (referred to by both, generated
    /// elsewhere) are not compared. `oldSource` and `newSource` label the report.
    public func compare(
        old: [SchemaModule], new: [SchemaModule], context: [SchemaModule] = [],
        oldSource: String, newSource: String
    ) throws(SwiftGenerationError) -> SchemaChangeReport {
        let generator = SwiftGenerator(configuration: configuration)
        let oldAPI = try generator.swiftAPI(for: old, context: context)
        let newAPI = try generator.swiftAPI(for: new, context: context)
        let oldByPath = Dictionary(old.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let newByPath = Dictionary(new.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let paths = Set(oldByPath.keys).union(newByPath.keys).sorted { $0.map(\.name).lexicographicallyPrecedes($1.map(\.name)) }

        var modules: [ModuleChange] = []
        for path in paths {
            switch (oldByPath[path], newByPath[path]) {
            case (nil, let module?):
                let printer = SchemaSourcePrinter(module: path)
                let definitions = module.schema.definitions.keys.sorted().map { name in
                    DefinitionChange(
                        module: path, name: name, status: .added, oldSource: nil,
                        newSource: printer.body(module.schema.definitions[name]!).description,
                        oldSwift: nil, newSwift: newAPI[path]?[name], differences: [], swiftChanges: [])
                }
                modules.append(ModuleChange(path: path, status: .added, embeddedType: nil, definitions: definitions))
            case (let module?, nil):
                let printer = SchemaSourcePrinter(module: path)
                let definitions = module.schema.definitions.keys.sorted().map { name in
                    DefinitionChange(
                        module: path, name: name, status: .removed,
                        oldSource: printer.body(module.schema.definitions[name]!).description, newSource: nil,
                        oldSwift: oldAPI[path]?[name], newSwift: nil, differences: [], swiftChanges: [])
                }
                modules.append(ModuleChange(path: path, status: .removed, embeddedType: nil, definitions: definitions))
            case (let before?, let after?):
                if let change = compare(before, after, oldAPI: oldAPI[path] ?? [:], newAPI: newAPI[path] ?? [:]) {
                    modules.append(change)
                }
            case (nil, nil):
                break
            }
        }
        return SchemaChangeReport(oldSource: oldSource, newSource: newSource, modules: modules)
    }

    /// The changes to a module present in both revisions; `nil` if there are none.
    func compare(
        _ old: SchemaModule, _ new: SchemaModule,
        oldAPI: [Symbol: SwiftDefinitionAPI], newAPI: [Symbol: SwiftDefinitionAPI]
    ) -> ModuleChange? {
        let oldPrinter = SchemaSourcePrinter(module: old.path)
        let newPrinter = SchemaSourcePrinter(module: new.path)
        var embeddedType: SchemaDifference?
        if old.schema.embeddedType != new.schema.embeddedType {
            embeddedType = SchemaDifference(
                location: ["embeddedType"], kind: .changed,
                old: oldPrinter.embeddedType(old.schema.embeddedType).description,
                new: newPrinter.embeddedType(new.schema.embeddedType).description,
                isWireIncompatible: true, note: "every embedded value of the module changes type")
        }
        var definitions: [DefinitionChange] = []
        let names = Set(old.schema.definitions.keys).union(new.schema.definitions.keys).sorted()
        for name in names {
            let before = old.schema.definitions[name]
            let after = new.schema.definitions[name]
            let oldSource = before.map { oldPrinter.body($0).description }
            let newSource = after.map { newPrinter.body($0).description }
            var status: DefinitionChange.Status
            var differences: [SchemaDifference] = []
            switch (before, after) {
            case (nil, _?):
                status = .added
            case (_?, nil):
                status = .removed
            case (let x?, let y?):
                if x == y {
                    // Unchanged in the schema; the Swift API may still change through a
                    // definition it uses (becoming generic, say).
                    if !Self.swiftChanges(oldAPI[name], newAPI[name]).isEmpty {
                        status = .changed
                    } else if (old.documentation[name] ?? []) != (new.documentation[name] ?? []) {
                        status = .documentation
                    } else {
                        continue
                    }
                } else {
                    var comparison = PatternComparison(oldModule: old.path, newModule: new.path)
                    comparison.compare(x, y)
                    differences = comparison.differences
                    status = .changed
                }
            case (nil, nil):
                continue
            }
            let swiftChanges = status == .changed ? Self.swiftChanges(oldAPI[name], newAPI[name]) : []
            definitions.append(DefinitionChange(
                module: new.path, name: name, status: status, oldSource: oldSource, newSource: newSource,
                oldSwift: oldAPI[name], newSwift: newAPI[name], differences: differences, swiftChanges: swiftChanges))
        }
        guard embeddedType != nil || !definitions.isEmpty else { return nil }
        return ModuleChange(path: new.path, status: .changed, embeddedType: embeddedType, definitions: definitions)
    }

    /// How the Swift API generated for a definition changed.
    static func swiftChanges(_ old: SwiftDefinitionAPI?, _ new: SwiftDefinitionAPI?) -> [SwiftAPIChange] {
        guard let old, let new else { return [] }
        var changes: [SwiftAPIChange] = []
        if old.typeName != new.typeName { changes.append(.renamed(from: old.typeName, to: new.typeName)) }
        if old.kind != new.kind { changes.append(.kindChanged(from: old.kind, to: new.kind)) }
        if old.genericParameter != new.genericParameter {
            changes.append(.genericParameterChanged(from: old.genericParameter, to: new.genericParameter))
        }
        if old.valueType != new.valueType, old.valueType != nil, new.valueType != nil {
            changes.append(.valueTypeChanged(from: old.valueType, to: new.valueType))
        }
        func key(_ m: SwiftDefinitionAPI.Member) -> String { "\(m.kind.rawValue) \(m.swiftName)" }
        let newMembers = Dictionary(new.members.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let oldKeys = Set(old.members.map(key))
        for member in old.members {
            if let counterpart = newMembers[key(member)] {
                if counterpart.type != member.type { changes.append(.memberRetyped(member, to: counterpart.type)) }
            } else {
                changes.append(.memberRemoved(member))
            }
        }
        for member in new.members where !oldKeys.contains(key(member)) {
            changes.append(.memberAdded(member))
        }
        return changes
    }
}

import Preserves
import PreservesCodeGen
import PreservesSchema

/// What changed between two revisions of a set of schemas: modules and definitions added,
/// removed and changed; for changed definitions, how the schema changed and what that does to
/// the generated Swift API; and which changes break the wire format.
///
/// A change is *wire-incompatible* when a peer built from the old schemas and a peer built from
/// the new ones can no longer exchange the values concerned: a definition or alternative
/// removed, a record label or arity changed, a field's or a capability's type changed, a
/// dictionary key added or removed. Additions (new definitions, new alternatives) are
/// compatible: old peers only meet them when new peers use them.
public struct SchemaChangeReport: Sendable, Hashable {
    /// Where the old schemas came from (a directory, for the report's heading).
    public var oldSource: String
    /// Where the new schemas came from.
    public var newSource: String
    /// Every module with a change, sorted by path.
    public var modules: [ModuleChange]

    public init(oldSource: String, newSource: String, modules: [ModuleChange]) {
        self.oldSource = oldSource
        self.newSource = newSource
        self.modules = modules
    }

    /// Whether the two revisions define the same schemas (comments aside).
    public var isEmpty: Bool {
        modules.allSatisfy { $0.status == .changed && $0.embeddedType == nil && $0.definitions.allSatisfy { $0.status == .documentation } }
    }

    /// Whether any change is wire-incompatible.
    public var hasWireIncompatibleChanges: Bool { modules.contains { $0.isWireIncompatible } }

    /// The module with this dotted path, if it changed.
    public func module(_ dottedPath: String) -> ModuleChange? {
        modules.first { $0.dottedPath == dottedPath }
    }

    /// The change to `module.name`, if it changed.
    public func definition(_ module: String, _ name: String) -> DefinitionChange? {
        self.module(module)?.definitions.first { $0.name.name == name }
    }

    /// Every definition change, module by module.
    public var definitionChanges: [DefinitionChange] { modules.flatMap(\.definitions) }

    /// Counts for a summary line.
    public struct Summary: Sendable, Hashable {
        public var modulesAdded = 0, modulesRemoved = 0, modulesChanged = 0
        public var definitionsAdded = 0, definitionsRemoved = 0, definitionsChanged = 0, commentsChanged = 0
        /// Definitions (and modules' embedded types) with a wire-incompatible change.
        public var wireIncompatible = 0
    }

    public var summary: Summary {
        var s = Summary()
        for module in modules {
            switch module.status {
            case .added: s.modulesAdded += 1
            case .removed: s.modulesRemoved += 1
            case .changed: s.modulesChanged += 1
            }
            if module.embeddedType?.isWireIncompatible == true { s.wireIncompatible += 1 }
            for d in module.definitions {
                switch d.status {
                case .added: s.definitionsAdded += 1
                case .removed: s.definitionsRemoved += 1
                case .changed: s.definitionsChanged += 1
                case .documentation: s.commentsChanged += 1
                }
                if d.isWireIncompatible { s.wireIncompatible += 1 }
            }
        }
        return s
    }
}

/// The changes to one module.
public struct ModuleChange: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case added, removed, changed
    }

    public var path: Schema.ModulePath
    public var status: Status
    /// A change of the `embeddedType` clause.
    public var embeddedType: SchemaDifference?
    /// The definitions that changed (for added and removed modules: all of them), by name.
    public var definitions: [DefinitionChange]

    public init(path: Schema.ModulePath, status: Status, embeddedType: SchemaDifference?, definitions: [DefinitionChange]) {
        self.path = path
        self.status = status
        self.embeddedType = embeddedType
        self.definitions = definitions
    }

    /// The module path written with dots.
    public var dottedPath: String { path.map(\.name).joined(separator: ".") }

    public var isWireIncompatible: Bool {
        embeddedType?.isWireIncompatible == true || definitions.contains { $0.isWireIncompatible }
    }
}

/// The change to one definition.
public struct DefinitionChange: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case added, removed, changed
        /// Only the comments before it changed.
        case documentation
    }

    public var module: Schema.ModulePath
    public var name: Symbol
    public var status: Status
    /// The old definition's body on one line, in `.prs` syntax.
    public var oldSource: String?
    /// The new definition's body on one line, in `.prs` syntax.
    public var newSource: String?
    /// The Swift API generated from the old definition.
    public var oldSwift: SwiftDefinitionAPI?
    /// The Swift API generated from the new definition.
    public var newSwift: SwiftDefinitionAPI?
    /// How the schema changed, part by part (for changed definitions).
    public var differences: [SchemaDifference]
    /// How the generated Swift API changed (for changed definitions).
    public var swiftChanges: [SwiftAPIChange]

    public init(
        module: Schema.ModulePath, name: Symbol, status: Status, oldSource: String?, newSource: String?,
        oldSwift: SwiftDefinitionAPI?, newSwift: SwiftDefinitionAPI?, differences: [SchemaDifference],
        swiftChanges: [SwiftAPIChange]
    ) {
        self.module = module
        self.name = name
        self.status = status
        self.oldSource = oldSource
        self.newSource = newSource
        self.oldSwift = oldSwift
        self.newSwift = newSwift
        self.differences = differences
        self.swiftChanges = swiftChanges
    }

    /// `module.Name`.
    public var qualifiedName: String { (module.map(\.name) + [name.name]).joined(separator: ".") }

    /// Removed definitions and changes with a wire-incompatible difference.
    public var isWireIncompatible: Bool {
        status == .removed || differences.contains { $0.isWireIncompatible }
    }
}

/// One difference between the old and new form of a definition.
public struct SchemaDifference: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case added, removed, changed
    }

    /// Where in the definition, outermost first, e.g. `["alternative turn", "field oid"]`;
    /// empty for the definition as a whole.
    public var location: [String]
    public var kind: Kind
    /// The old part in `.prs` syntax (for removed and changed parts).
    public var old: String?
    /// The new part in `.prs` syntax (for added and changed parts).
    public var new: String?
    public var isWireIncompatible: Bool
    /// What the difference means for peers, e.g. `old peers reject its values`.
    public var note: String?

    public init(location: [String], kind: Kind, old: String?, new: String?, isWireIncompatible: Bool, note: String? = nil) {
        self.location = location
        self.kind = kind
        self.old = old
        self.new = new
        self.isWireIncompatible = isWireIncompatible
        self.note = note
    }

    /// `field observer: #:Resolved → #:rpc.Result — the capability now expects different values`,
    /// `alternative Rejected removed, was Rejected — new peers reject its values`, … .
    public var description: String {
        let place = location.isEmpty ? "definition" : location.joined(separator: " › ")
        var text: String
        switch kind {
        case .added: text = "\(place) added" + (new.map { ": \($0)" } ?? "")
        case .removed: text = "\(place) removed" + (old.map { ", was \($0)" } ?? "")
        case .changed: text = "\(place): \(old ?? "?") → \(new ?? "?")"
        }
        if let note { text += " — \(note)" }
        return text
    }
}

/// One change to the Swift API generated for a definition.
public enum SwiftAPIChange: Sendable, Hashable, CustomStringConvertible {
    case renamed(from: String, to: String)
    case kindChanged(from: SwiftDefinitionAPI.Kind, to: SwiftDefinitionAPI.Kind)
    /// The type gained or lost its generic parameter for the embedded type.
    case genericParameterChanged(from: String?, to: String?)
    /// A typealias's or wrapper's underlying type changed.
    case valueTypeChanged(from: String?, to: String?)
    case memberAdded(SwiftDefinitionAPI.Member)
    case memberRemoved(SwiftDefinitionAPI.Member)
    /// A property's type or a case's payload changed.
    case memberRetyped(SwiftDefinitionAPI.Member, to: String?)

    public var description: String {
        switch self {
        case .renamed(let from, let to):
            return "type renamed from \(from) to \(to)"
        case .kindChanged(let from, let to):
            return "now a \(to.rawValue) (was a \(from.rawValue))"
        case .genericParameterChanged(let from, let to):
            if let to, from == nil { return "now generic over <\(to)>" }
            if let from, to == nil { return "no longer generic over <\(from)>" }
            return "generic parameter renamed from \(from ?? "-") to \(to ?? "-")"
        case .valueTypeChanged(let from, let to):
            return "underlying type \(from ?? "none") → \(to ?? "none")"
        case .memberAdded(let m):
            return "\(Self.noun(m)) added: \(m)"
        case .memberRemoved(let m):
            return "\(Self.noun(m)) removed: \(m)"
        case .memberRetyped(let m, let to):
            switch m.kind {
            case .property: return "property \(m.swiftName) retyped: \(m.type ?? "") → \(to ?? "")"
            case .enumCase: return "case \(m.swiftName) payload changed: \(m.type ?? "()") → \(to ?? "()")"
            }
        }
    }

    static func noun(_ m: SwiftDefinitionAPI.Member) -> String {
        switch m.kind {
        case .property: "property"
        case .enumCase: "case"
        }
    }
}

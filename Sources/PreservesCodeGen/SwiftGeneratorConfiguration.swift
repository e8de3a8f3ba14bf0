import Foundation
import Preserves
import PreservesSchema

/// What the Swift generator produces. Every option can be given in a configuration file
/// (``init(configurationText:file:)``) and as a command-line flag.
public struct SwiftGeneratorConfiguration: Sendable, Hashable {
    /// The access level written on every generated declaration.
    public enum AccessLevel: String, Sendable, Hashable, CaseIterable {
        case `internal`, `public`, `package`
    }

    /// How embedded values (`#:` patterns and `any`) are typed.
    public enum EmbeddedType: Sendable, Hashable, CustomStringConvertible {
        /// Types that may hold embedded values get a generic parameter for their type.
        case generic
        /// Embedded values have this Swift type (e.g. `Never`, `IOEmbedded`, `MyRuntime.Ref`).
        case concrete(String)

        public init(_ text: String) {
            self = text == "generic" ? .generic : .concrete(text)
        }

        public var description: String {
            switch self {
            case .generic: "generic"
            case .concrete(let t): t
            }
        }
    }

    public var accessLevel: AccessLevel = .internal
    public var embeddedType: EmbeddedType = .generic
    /// Schema module (dotted path, e.g. `protocol`) → the Swift module that holds its types.
    /// References to a mapped module are qualified with the Swift module and import it.
    public var moduleMappings: [String: String] = [:]
    /// Schema module (dotted path) → namespace enum name, overriding the default.
    public var namespaces: [String: String] = [:]
    /// Extra modules to import in every generated file.
    public var additionalImports: [String] = []
    /// Whether to generate dataspace patterns (`pattern(…)` functions returning
    /// `DataspacePatterns.TypedPattern`) for every definition. They are generated only where
    /// the schema module `dataspacePatterns` is visible: generated alongside (with a generic
    /// embedded type), or mapped to the Swift module that holds it (e.g. `SyndicateProtocols`).
    public var dataspacePatterns = true
    /// Schema directories or files referred to but generated elsewhere (relative paths in a
    /// configuration file are relative to that file). Map their modules with ``moduleMappings``.
    public var includes: [String] = []
    /// Modules that schemas refer to under a name of their own, defined by a schema elsewhere
    /// and generated into another Swift module: upstream builds declare such *external
    /// modules* (syndicate-server's schemas say `TransportAddress.Tcp` for the protocol's
    /// `transportAddress` module). Keyed by the name the schemas use.
    public var externalModules: [String: ExternalModule] = [:]

    /// A module referred to under `name` but defined by `schema` and generated into `swiftModule`.
    public struct ExternalModule: Sendable, Hashable {
        /// The Swift module holding the generated types.
        public var swiftModule: String
        /// Their namespace enum there (default: derived from the name the schemas use).
        public var namespace: String?
        /// The `.prs` file that defines the module, so references are checked and typed.
        public var schema: String

        public init(swiftModule: String, namespace: String? = nil, schema: String) {
            self.swiftModule = swiftModule
            self.namespace = namespace
            self.schema = schema
        }
    }

    public init() {}

    /// The modules the configuration makes known without generating them: every schema under
    /// ``includes`` (and `extraIncludes`), and each external module, read from its schema file
    /// under the name the schemas use.
    public func contextModules(extraIncludes: [String] = []) throws(SchemaErrors) -> [SchemaModule] {
        var modules = try SchemaSources.readModules(includes + extraIncludes)
        for (name, external) in externalModules.sorted(by: { $0.key < $1.key }) {
            for var module in try SchemaSources.readModules([external.schema]) {
                module.path = name.split(separator: ".").map { Symbol(String($0)) }
                modules.append(module)
            }
        }
        return modules
    }

    /// Reads a configuration file: a Preserves text dictionary such as
    /// `{accessLevel: public embeddedType: generic moduleMappings: {protocol: "SyndicateProtocols"}}`.
    /// Unknown keys are errors, so typos do not pass silently.
    public init(configurationText text: String, file: String) throws(ConfigurationError) {
        let value: IOValue
        do {
            value = try IOValue(text: text)
        } catch {
            throw ConfigurationError(file: file, message: "\(error.line):\(error.column): \(error.message)")
        }
        guard let entries = value.dictionary else {
            throw ConfigurationError(file: file, message: "the configuration must be a dictionary, e.g. {accessLevel: public}")
        }
        for (key, item) in entries.sorted(by: { $0.key < $1.key }) {
            guard let name = key.symbol?.name ?? key.string else {
                throw ConfigurationError(file: file, message: "configuration keys are symbols, not \(key)")
            }
            func text(_ v: IOValue) throws(ConfigurationError) -> String {
                guard let s = v.string ?? v.symbol?.name else {
                    throw ConfigurationError(file: file, message: "\(name): expected a string or symbol, not \(v)")
                }
                return s
            }
            func map(_ v: IOValue) throws(ConfigurationError) -> [String: String] {
                guard let d = v.dictionary else {
                    throw ConfigurationError(file: file, message: "\(name): expected a dictionary, not \(v)")
                }
                var out: [String: String] = [:]
                for (k, v) in d { out[try text(k)] = try text(v) }
                return out
            }
            switch name {
            case "accessLevel":
                let s = try text(item)
                guard let level = AccessLevel(rawValue: s.lowercased()) else {
                    throw ConfigurationError(file: file, message: "accessLevel must be internal, public or package, not \(s)")
                }
                accessLevel = level
            case "embeddedType":
                embeddedType = EmbeddedType(try text(item))
            case "moduleMappings":
                moduleMappings = try map(item)
            case "namespaces":
                namespaces = try map(item)
            case "includes":
                guard let items = item.sequence else {
                    throw ConfigurationError(file: file, message: "includes: expected a sequence of paths")
                }
                let base = (file as NSString).deletingLastPathComponent
                includes = []
                for i in items {
                    let path = try text(i)
                    includes.append(path.hasPrefix("/") || base.isEmpty ? path : (base as NSString).appendingPathComponent(path))
                }
            case "externalModules":
                guard let entries = item.dictionary else {
                    throw ConfigurationError(file: file, message: "externalModules: expected {Name: {swiftModule: \"M\" schema: \"path.prs\"} …}")
                }
                let base = (file as NSString).deletingLastPathComponent
                externalModules = [:]
                for (k, v) in entries {
                    let module = try text(k)
                    guard let fields = v.dictionary,
                        let swiftModule = fields[.symbol("swiftModule")].flatMap({ $0.string ?? $0.symbol?.name }),
                        let schema = fields[.symbol("schema")].flatMap({ $0.string })
                    else {
                        throw ConfigurationError(file: file, message: "externalModules.\(module): expected {swiftModule: \"M\" schema: \"path.prs\"} with an optional namespace")
                    }
                    for key in fields.keys where ![.symbol("swiftModule"), .symbol("schema"), .symbol("namespace")].contains(key) {
                        throw ConfigurationError(file: file, message: "externalModules.\(module): unknown key \(key); known keys: swiftModule, namespace, schema")
                    }
                    let namespace = fields[.symbol("namespace")].flatMap { $0.string ?? $0.symbol?.name }
                    let path = schema.hasPrefix("/") || base.isEmpty ? schema : (base as NSString).appendingPathComponent(schema)
                    externalModules[module] = ExternalModule(swiftModule: swiftModule, namespace: namespace, schema: path)
                }
            case "dataspacePatterns":
                guard let flag = item.bool else {
                    throw ConfigurationError(file: file, message: "dataspacePatterns: expected #t or #f, not \(item)")
                }
                dataspacePatterns = flag
            case "additionalImports":
                guard let items = item.sequence else {
                    throw ConfigurationError(file: file, message: "additionalImports: expected a sequence of module names")
                }
                additionalImports = []
                for i in items { additionalImports.append(try text(i)) }
            default:
                throw ConfigurationError(file: file, message: "unknown configuration key \(name); known keys: accessLevel, embeddedType, moduleMappings, namespaces, includes, externalModules, additionalImports, dataspacePatterns")
            }
        }
        for (name, external) in externalModules {
            if moduleMappings[name] == nil { moduleMappings[name] = external.swiftModule }
            if let namespace = external.namespace, namespaces[name] == nil { namespaces[name] = namespace }
        }
    }
}

/// A configuration file that could not be understood.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public var description: String { "\(file): error: \(message)" }
}

import Foundation
import Preserves

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
    /// Schema directories or files referred to but generated elsewhere (relative paths in a
    /// configuration file are relative to that file). Map their modules with ``moduleMappings``.
    public var includes: [String] = []

    public init() {}

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
            case "additionalImports":
                guard let items = item.sequence else {
                    throw ConfigurationError(file: file, message: "additionalImports: expected a sequence of module names")
                }
                additionalImports = []
                for i in items { additionalImports.append(try text(i)) }
            default:
                throw ConfigurationError(file: file, message: "unknown configuration key \(name); known keys: accessLevel, embeddedType, moduleMappings, namespaces, includes, additionalImports")
            }
        }
    }
}

/// A configuration file that could not be understood.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public var description: String { "\(file): error: \(message)" }
}

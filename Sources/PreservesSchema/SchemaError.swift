import Preserves

/// A problem in a schema, with the file and position it concerns.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The text is not valid Preserves text.
        case syntax
        /// A clause or pattern is not valid schema syntax.
        case invalidPattern
        /// The `version` clause is missing or names an unsupported version.
        case badVersion
        /// Two definitions (or two modules) share a name.
        case duplicateDefinition
        /// A reference names a definition or module that does not exist.
        case unknownReference
        /// Two bindings in one definition share a name.
        case duplicateBinding
        /// A file could not be read.
        case io
    }

    public var kind: Kind
    /// The schema file (as given to the compiler).
    public var file: String
    /// Where in the file; `nil` when the problem concerns the whole file.
    public var position: SourcePosition?
    public var message: String

    public init(_ kind: Kind, file: String, at position: SourcePosition?, _ message: String) {
        self.kind = kind
        self.file = file
        self.position = position
        self.message = message
    }

    /// `file:line:column: message`, the form editors and build logs understand.
    public var description: String {
        if let position { return "\(file):\(position.line):\(position.column): error: \(message)" }
        return "\(file): error: \(message)"
    }
}

/// Several schema problems found together.
public struct SchemaErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [SchemaError]

    public init(_ errors: [SchemaError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

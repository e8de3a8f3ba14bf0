import Preserves

/// One schema read from a `.prs` file: the metaschema value plus what the compiled form drops
/// (documentation comments and source positions), which diagnostics and generators use.
public struct SchemaModule: Sendable, Hashable {
    /// The module's path in its bundle, e.g. `[syndicate, protocol]`.
    public var path: Schema.ModulePath
    /// The file the module was read from.
    public var file: String
    /// The schema itself, as it appears in a compiled bundle.
    public var schema: Schema.Schema
    /// Comment lines written before each definition.
    public var documentation: [Symbol: [String]]
    /// Where each definition's name is written.
    public var definitionPositions: [Symbol: SourcePosition]
    /// Every reference in the module's definitions, with where it is written.
    public var references: [ReferenceSite]

    public init(
        path: Schema.ModulePath, file: String, schema: Schema.Schema,
        documentation: [Symbol: [String]] = [:], definitionPositions: [Symbol: SourcePosition] = [:],
        references: [ReferenceSite] = []
    ) {
        self.path = path
        self.file = file
        self.schema = schema
        self.documentation = documentation
        self.definitionPositions = definitionPositions
        self.references = references
    }

    /// The module path written with dots, e.g. `syndicate.protocol`.
    public var dottedPath: String { path.map(\.name).joined(separator: ".") }

    /// A reference written in a definition.
    public struct ReferenceSite: Sendable, Hashable {
        public var definition: Symbol
        public var ref: Schema.Ref
        public var position: SourcePosition?
    }
}

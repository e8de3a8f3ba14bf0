import Preserves

/// Reads Preserves Schema source (`.prs` text) into metaschema values.
///
/// A `.prs` file is Preserves text: the reader reads it with annotations and positions kept,
/// splits the top-level values into clauses at `.` symbols, and interprets each clause as
/// `version 1`, `embeddedType Ref-or-#f`, or `Name = body`. Binding names are the first symbol
/// annotation on a pattern (`@name pattern`); other annotations and comments are documentation.
public struct SchemaReader: Sendable {
    public init() {}

    /// Reads the schema in `text`, which was loaded from `file`, as the module at `path`.
    public func read(_ text: String, file: String, modulePath path: Schema.ModulePath) throws(SchemaError) -> SchemaModule {
        let values: [IOValue]
        do {
            var reader = TextReader<IOEmbedded>(limits: .trusted, keepAnnotations: true)
            reader.recordPositions = true
            values = try reader.decodeAll(text)
        } catch {
            throw SchemaError(
                .syntax, file: file,
                at: SourcePosition(offset: error.offset, line: error.line, column: error.column), error.message)
        }
        var state = ModuleReadState(file: file)
        for clause in Self.clauses(values) {
            try state.readClause(clause)
        }
        guard state.sawVersion else {
            throw SchemaError(.badVersion, file: file, at: SourcePosition(offset: 0, line: 1, column: 1), "missing \"version 1 .\" clause")
        }
        let schema = Schema.Schema(
            definitions: state.definitions, embeddedType: state.embeddedType, version: Schema.Version())
        return SchemaModule(
            path: path, file: file, schema: schema, documentation: state.documentation,
            definitionPositions: state.positions, references: state.references)
    }

    /// Splits top-level values at `.` symbols; empty clauses are dropped.
    static func clauses(_ values: [IOValue]) -> [[IOValue]] {
        var result: [[IOValue]] = []
        var current: [IOValue] = []
        for value in values {
            if value.symbol == "." {
                if !current.isEmpty { result.append(current) }
                current = []
            } else {
                current.append(value)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

/// What the reader knows so far about one module.
struct ModuleReadState {
    let file: String
    var sawVersion = false
    var embeddedType: Schema.EmbeddedTypeName = .false
    var sawEmbeddedType = false
    var definitions: Schema.Definitions = [:]
    var documentation: [Symbol: [String]] = [:]
    var positions: [Symbol: SourcePosition] = [:]
    var references: [SchemaModule.ReferenceSite] = []

    init(file: String) { self.file = file }

    func error(_ kind: SchemaError.Kind, _ token: IOValue?, _ message: String) -> SchemaError {
        SchemaError(kind, file: file, at: token?.position, message)
    }

    mutating func readClause(_ clause: [IOValue]) throws(SchemaError) {
        let head = clause[0]
        if clause.count >= 2, clause[1].symbol == "=" {
            try readDefinition(clause)
            return
        }
        switch head.symbol?.name {
        case "version":
            guard clause.count == 2 else { throw error(.badVersion, head, "expected \"version 1 .\"") }
            guard clause[1].int == 1 else {
                throw error(.badVersion, clause[1], "unsupported schema version \(clause[1].stripped); only version 1 exists")
            }
            if sawVersion { throw error(.badVersion, head, "duplicate version clause") }
            sawVersion = true
        case "embeddedType":
            guard clause.count == 2 else { throw error(.invalidPattern, head, "expected \"embeddedType Module.Name .\" or \"embeddedType #f .\"") }
            if sawEmbeddedType { throw error(.invalidPattern, head, "duplicate embeddedType clause") }
            sawEmbeddedType = true
            if clause[1].bool == false {
                embeddedType = .false
            } else if let symbol = clause[1].symbol, let ref = Self.ref(from: symbol) {
                embeddedType = .ref(ref)
            } else {
                throw error(.invalidPattern, clause[1], "embeddedType must be a reference such as EntityRef.Cap, or #f")
            }
        default:
            throw error(.invalidPattern, head, "expected a definition \"Name = pattern .\", a version or an embeddedType clause")
        }
    }

    mutating func readDefinition(_ clause: [IOValue]) throws(SchemaError) {
        let nameToken = clause[0]
        guard let name = nameToken.symbol, Self.isDefinitionName(name.name) else {
            throw error(.invalidPattern, nameToken, "a definition name must be an identifier, not \(nameToken.stripped)")
        }
        if definitions[name] != nil {
            throw error(.duplicateDefinition, nameToken, "duplicate definition \(name.name)")
        }
        let body = Array(clause.dropFirst(2))
        guard !body.isEmpty else { throw error(.invalidPattern, clause[1], "definition \(name.name) has no body") }
        var reader = PatternReader(state: self, definition: name)
        let definition = try reader.readDefinitionBody(body, name: name, nameToken: nameToken)
        references.append(contentsOf: reader.references)
        definitions[name] = definition
        positions[name] = nameToken.position
        let docs = Self.documentation(of: nameToken)
        if !docs.isEmpty { documentation[name] = docs }
    }

    /// Comment lines on a token: its string annotations.
    static func documentation(of token: IOValue) -> [String] {
        token.annotations.compactMap(\.string)
    }

    /// Identifier-like: a letter or `_`, then letters, digits, `_` or `$`.
    static func isDefinitionName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "$" }
    }

    /// `a.b.Name` → `<ref [a b] Name>`; `nil` if a part is empty.
    static func ref(from symbol: Symbol) -> Schema.Ref? {
        let parts = symbol.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        return Schema.Ref(module: parts.dropLast().map { Symbol($0) }, name: Symbol(parts.last!))
    }
}

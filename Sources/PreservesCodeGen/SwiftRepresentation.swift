/// A small structured representation of the Swift the generator writes. Declarations are
/// structured; statement bodies are nested code blocks, so the renderer alone decides layout.
struct SwiftFile: Hashable {
    var headerComments: [String]
    var imports: [String]
    var declarations: [SwiftDeclaration]
}

/// A line of code, or a block with a header line, indented contents, and a closing line.
indirect enum CodeLine: Hashable {
    case line(String)
    case block(String, [CodeLine], close: String = "}")
    case blank
}

indirect enum SwiftDeclaration: Hashable {
    /// `// MARK: - title`
    case mark(String)
    /// `access enum Name {}`: a namespace.
    case namespace(access: String, name: String, documentation: [String])
    /// `extension Name { members }`
    case extensionBlock(name: String, members: [SwiftDeclaration])
    /// A struct or enum with members.
    case type(SwiftTypeDeclaration)
    case typeAlias(documentation: [String], access: String, name: String, generics: String, target: String)
    /// A function, initializer or computed property: its signature and body.
    case member(documentation: [String], signature: String, body: [CodeLine])
    /// A stored property or enum case: one line.
    case line(documentation: [String], text: String)
}

struct SwiftTypeDeclaration: Hashable {
    enum Kind: String { case `struct`, `enum` }
    var documentation: [String]
    var access: String
    var kind: Kind
    var name: String
    var generics: String
    var conformances: [String]
    var members: [SwiftDeclaration]
}

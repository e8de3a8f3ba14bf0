import Preserves
import PreservesSchema

/// A run of `.prs` source text with what it is, so a renderer can style it and link references.
public struct SourceSpan: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Punctuation and layout: `<`, `[`, `/`, `=`, `.`, spaces.
        case plain
        /// The name of the definition being shown.
        case definitionName
        /// A binding or alternative label, with its `@`.
        case binding
        /// A built-in pattern: `any`, `bool`, `int`, `string`, … .
        case builtin
        /// A literal value, a record label or a dictionary key.
        case literal
        /// A reference to a definition (`Name` or `module.Name`).
        case reference
    }

    public var kind: Kind
    public var text: String
    /// For references: the definition referred to, with its module path resolved (never empty).
    public var target: Schema.Ref?

    public init(_ kind: Kind, _ text: String, target: Schema.Ref? = nil) {
        self.kind = kind
        self.text = text
        self.target = target
    }
}

/// Rendered `.prs` source: lines of spans.
public struct SourceText: Sendable, Hashable, CustomStringConvertible {
    public var lines: [[SourceSpan]]

    public init(lines: [[SourceSpan]]) {
        self.lines = lines
    }

    /// The source as plain text, lines separated by newlines.
    public var description: String {
        lines.map { $0.map(\.text).joined() }.joined(separator: "\n")
    }

    /// Every reference span, in order.
    public var references: [SourceSpan] {
        lines.flatMap { $0.filter { $0.kind == .reference } }
    }
}

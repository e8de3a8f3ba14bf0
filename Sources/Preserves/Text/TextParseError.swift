/// Why text could not be read, and where.
public struct TextParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The input held no value at all (it was empty).
        case endOfInput
        /// The input ended inside a value, or held only whitespace and comments: more input
        /// could still make it valid. (At the end of a stream's buffer, this includes a UTF-8
        /// sequence cut short; at the end of a whole input, that is malformed.)
        case truncated
        /// The text is not valid Preserves text syntax, or not well-formed UTF-8.
        case malformed
        /// The input exceeds a ``ReaderLimits`` bound.
        case limitExceeded
    }

    public var kind: Kind
    /// Byte offset of the problem in the UTF-8 input.
    public var offset: Int
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the problem.
    public var column: Int
    public var message: String

    public init(_ kind: Kind, offset: Int, line: Int, column: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    /// True for ``Kind/endOfInput`` and ``Kind/truncated``: the input stopped early.
    public var isEndOfInput: Bool { kind == .endOfInput || kind == .truncated }

    public var description: String { "\(line):\(column): \(message)" }
}

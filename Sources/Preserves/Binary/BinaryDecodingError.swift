/// Why binary input could not be decoded, and where.
public struct BinaryDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// There were no bytes at all.
        case endOfInput
        /// The input ended inside a value: more bytes may complete it.
        case truncated
        /// The bytes are not valid Preserves binary syntax.
        case malformed
        /// The input exceeds a ``ReaderLimits`` bound.
        case limitExceeded
    }

    /// What went wrong.
    public var kind: Kind
    /// The byte offset, from the start of the input, at which the problem was found.
    public var offset: Int
    /// A human-readable explanation.
    public var message: String

    public init(_ kind: Kind, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    /// True for ``Kind/endOfInput`` and ``Kind/truncated``: the input stopped early.
    public var isEndOfInput: Bool { kind == .endOfInput || kind == .truncated }

    public var description: String { "binary input, byte \(offset): \(message)" }
}

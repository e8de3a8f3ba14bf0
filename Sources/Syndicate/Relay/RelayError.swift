import Preserves

/// Why a relay session ended abnormally.
public struct RelayError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The bytes are not a Preserves value in either syntax.
        case malformedSyntax
        /// A value arrived that is not a `protocol.Packet`.
        case malformedPacket
        /// A packet broke a configured limit (size or nesting).
        case limitExceeded
        /// A well-formed packet broke the protocol (a reused handle, a text WebSocket frame…).
        case protocolViolation
        /// The peer sent `<error …>`.
        case peerError
        /// The peer fell too far behind in reading what we sent.
        case slowConsumer
        /// The server is shutting down.
        case shutdown
    }

    public var kind: Kind
    public var message: String
    /// Where in the inbound byte stream the problem was found, when known.
    public var offset: Int?

    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(message) (at byte \(offset))" }
        return message
    }

    /// The `detail` field of the `<error message detail>` packet that reports this error.
    var detail: WireValue {
        var fields: [WireValue: WireValue] = [.symbol("kind"): .symbol(Symbol("\(kind)"))]
        if let offset { fields[.symbol("offset")] = .integer(SignedInteger(offset)) }
        return .dictionary(fields)
    }
}

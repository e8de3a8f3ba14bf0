/// Everything that can go wrong on a channel, as one typed error.
public enum ChannelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Connecting, reading or writing failed, or the other side closed.
    case connection(peer: String?, reason: String)
    /// An item did not encode, or a frame's payload did not decode as the codec's item.
    case codec(String)
    /// A frame header announced more than the limit (inclusive); that connection was closed.
    case frameTooLarge(length: Int, limit: Int)
    /// The primitive already has as many peers as its limit allows.
    case limitReached(limit: Int)
    /// A send or release found no peer to deliver to (tsyncp drops such items silently).
    case noPeers
    /// A named target of a targeted send is not connected.
    case unknownPeer(String)
    /// Retrying, accepting or waiting gave up after the given time.
    case timedOut(String)
    /// Some peers of a fan-out failed; the others got the item. Each entry names the peer and why.
    case partialDelivery([PeerFailure])
    /// The primitive was closed.
    case closed

    /// One peer's failure within a fan-out.
    public struct PeerFailure: Sendable, Equatable, CustomStringConvertible {
        public var peer: String
        public var reason: String
        public var description: String { "\(peer): \(reason)" }
    }

    public var description: String {
        switch self {
        case .connection(let peer, let reason): return "connection\(peer.map { " to \($0)" } ?? ""): \(reason)"
        case .codec(let message): return "codec: \(message)"
        case .frameTooLarge(let length, let limit): return "frame of \(length) bytes is over the limit of \(limit)"
        case .limitReached(let limit): return "peer limit \(limit) reached"
        case .noPeers: return "no peers to send to"
        case .unknownPeer(let peer): return "no such peer: \(peer)"
        case .timedOut(let what): return "timed out: \(what)"
        case .partialDelivery(let failures): return "not delivered to \(failures.map(\.description).joined(separator: ", "))"
        case .closed: return "closed"
        }
    }

    /// Whether this is about the transport rather than the data (tsyncp's `is_connection_error`).
    public var isConnectionError: Bool {
        switch self {
        case .connection, .closed, .partialDelivery: return true
        default: return false
        }
    }
}

/// One other end of a channel: in direct mode a TCP connection (its remote address), over the
/// broker a session the broker vouches for.
public struct Peer: Hashable, Sendable, CustomStringConvertible {
    /// Unique within one channel object for its lifetime.
    public let id: UInt64
    /// The remote socket address (`host:port`) in direct mode; the broker-assigned identity over the broker.
    public let address: String

    public init(id: UInt64, address: String) {
        self.id = id
        self.address = address
    }

    public var description: String { address }
}

/// A peer arriving or going away.
public enum PeerEvent: Sendable, Equatable {
    case joined(Peer)
    /// The peer left: cleanly (`reason` nil), by error, or, over the broker, because its session ended.
    case left(Peer, reason: ChannelError?)
    /// A connection refused at the door: over the limit, or by the accept filter.
    case refused(address: String, reason: ChannelError?)
}

/// An item with the peer that sent it (tsyncp's `.with_addr()`).
public struct Received<Item: Sendable>: Sendable {
    public var item: Item
    public var sender: Peer
}

extension Received: Equatable where Item: Equatable {}

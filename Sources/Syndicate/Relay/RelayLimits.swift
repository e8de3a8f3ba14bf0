import Preserves

/// Bounds a relay puts on what a peer may send and on how far it may fall behind.
public struct RelayLimits: Sendable, Hashable {
    /// The largest packet accepted, in bytes of its encoding.
    public var maxPacketSize: Int
    /// The deepest nesting accepted inside a packet.
    public var maxDepth: Int
    /// Packets read from the peer but not yet handled by the relay's actor before reading pauses.
    public var maxPendingInboundPackets: Int
    /// Bytes written to the peer but not yet accepted by its socket before the session is
    /// closed as a slow consumer.
    public var maxPendingOutboundBytes: Int

    public init(
        maxPacketSize: Int = 16 << 20,
        maxDepth: Int = 128,
        maxPendingInboundPackets: Int = 1024,
        maxPendingOutboundBytes: Int = 256 << 20
    ) {
        self.maxPacketSize = maxPacketSize
        self.maxDepth = maxDepth
        self.maxPendingInboundPackets = maxPendingInboundPackets
        self.maxPendingOutboundBytes = maxPendingOutboundBytes
    }

    public static let `default` = RelayLimits()

    var readerLimits: ReaderLimits { ReaderLimits(maxDepth: maxDepth, maxSize: maxPacketSize) }
}

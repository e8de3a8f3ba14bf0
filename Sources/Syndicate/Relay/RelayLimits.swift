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
    /// How long a connection accepted by a listener has to start its session: to deliver its
    /// first complete packet, or to complete its WebSocket upgrade. A connection that has not
    /// by then is closed. Once started, a session may stay quiet for as long as it likes.
    /// `nil`: no limit. (Client connections and stdio are never timed out.)
    public var handshakeTimeout: Duration?
    /// TCP keep-alive on connections accepted by TCP listeners: how long a connection may be
    /// silent before the kernel probes the peer (a peer that stops answering the probes is
    /// disconnected). `nil`: no keep-alive.
    public var tcpKeepAlive: Duration?

    public init(
        maxPacketSize: Int = 16 << 20,
        maxDepth: Int = 128,
        maxPendingInboundPackets: Int = 1024,
        maxPendingOutboundBytes: Int = 256 << 20,
        handshakeTimeout: Duration? = .seconds(10),
        tcpKeepAlive: Duration? = .seconds(60)
    ) {
        self.maxPacketSize = maxPacketSize
        self.maxDepth = maxDepth
        self.maxPendingInboundPackets = maxPendingInboundPackets
        self.maxPendingOutboundBytes = maxPendingOutboundBytes
        self.handshakeTimeout = handshakeTimeout
        self.tcpKeepAlive = tcpKeepAlive
    }

    public static let `default` = RelayLimits()

    var readerLimits: ReaderLimits { ReaderLimits(maxDepth: maxDepth, maxSize: maxPacketSize) }
}

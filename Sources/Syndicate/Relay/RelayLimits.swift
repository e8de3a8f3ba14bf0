import Preserves

/// Bounds a relay puts on what a peer may send, on how far it may fall behind, and on the
/// work one peer may have queued inside the server.
public struct RelayLimits: Sendable, Hashable {
    /// The largest packet accepted, in bytes of its encoding.
    public var maxPacketSize: Int
    /// The deepest nesting accepted inside a packet.
    public var maxDepth: Int
    /// Packets read from the peer but not yet handled by the relay's actor before reading pauses.
    public var maxPendingInboundPackets: Int
    /// The debt (see ``Account``) at which reading from a peer pauses: the bytes of work its
    /// packets caused that are still queued inside the server or for other peers.
    public var maxAccountDebt: Int
    /// Bytes queued for a peer and not yet accepted by its socket at which it is cut off as a
    /// slow consumer. With back-pressure this is a last resort.
    public var maxPendingOutboundBytes: Int
    /// How long output for a peer may wait with no byte of it accepted before the peer is cut
    /// off as a slow consumer (producers that feed it are paused meanwhile).
    public var outputStallTimeout: Duration
    /// The budget for output waiting to be written, shared by all connections.
    public var outputBudget: OutputBudget
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
        maxAccountDebt: Int = 4 << 20,
        maxPendingOutboundBytes: Int = 64 << 20,
        outputStallTimeout: Duration = .seconds(60),
        outputBudget: OutputBudget = .shared,
        handshakeTimeout: Duration? = .seconds(10),
        tcpKeepAlive: Duration? = .seconds(60)
    ) {
        self.maxPacketSize = maxPacketSize
        self.maxDepth = maxDepth
        self.maxPendingInboundPackets = maxPendingInboundPackets
        self.maxAccountDebt = maxAccountDebt
        self.maxPendingOutboundBytes = maxPendingOutboundBytes
        self.outputStallTimeout = outputStallTimeout
        self.outputBudget = outputBudget
        self.handshakeTimeout = handshakeTimeout
        self.tcpKeepAlive = tcpKeepAlive
    }

    public static let `default` = RelayLimits()

    var readerLimits: ReaderLimits { ReaderLimits(maxDepth: maxDepth, maxSize: maxPacketSize) }
}

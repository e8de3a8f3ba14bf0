/// The sending side of a primitive: mpsc's sender, broadcast's sender, a split channel's sending half.
/// A value: copies share the same connections and may be used from different tasks.
public struct ChannelSender<Codec: ChannelCodec>: Sendable {
    let engine: any ChannelEngine
    /// The codec items are encoded with.
    public let codec: Codec

    init(engine: any ChannelEngine, codec: Codec) {
        self.engine = engine
        self.codec = codec
    }

    /// Sends `item` to every peer. Returns once every peer's connection has taken it (a slow peer
    /// slows the send). Throws ``ChannelError/noPeers`` when there is nobody to send to, and
    /// ``ChannelError/partialDelivery(_:)`` naming the peers that failed while the others got it.
    nonisolated(nonsending) public func send(_ item: Codec.Item) async throws(ChannelError) {
        try await engine.send(codec.encode(item), to: nil)
    }

    /// Sends `item` to the given peers only (tsyncp's `.to(&addrs)`).
    nonisolated(nonsending) public func send(_ item: Codec.Item, to peers: [Peer]) async throws(ChannelError) {
        if peers.isEmpty { throw .noPeers }
        try await engine.send(codec.encode(item), to: peers)
    }

    /// Sends `item` to the peers `include` picks (tsyncp's `.filter(..)`).
    nonisolated(nonsending) public func send(_ item: Codec.Item, where include: (Peer) -> Bool) async throws(ChannelError) {
        try await send(item, to: engine.peers.filter(include))
    }

    /// The peers connected now.
    public var peers: [Peer] { engine.peers }
    /// How many peers are connected now (tsyncp's `len()`).
    public var peerCount: Int { engine.peers.count }
    /// The port the listening side is bound to (with port 0, the one picked).
    public var localPort: Int? { engine.localPort }
    /// The peer limit, if any.
    public var limit: Int? { engine.limit }
    /// Whether the limit is reached.
    public var isFull: Bool { limit.map { peerCount >= $0 } ?? false }
    /// Joins and leaves. Each access is a subscription of its own: it starts with a `.joined`
    /// for every peer present, then gets every change; any number may run at once.
    public var events: AsyncStream<PeerEvent> { engine.events }

    /// Over the broker, the credit of the link to `peer`: how far this side may send and has
    /// sent, how much it granted and how much its consumer took. Nil in direct mode.
    public func flow(of peer: Peer) -> PeerFlow? { engine.flow(of: peer) }

    /// Returns once at least `count` peers are connected (tsyncp's `accept().num(n)`).
    public func waitForPeers(_ count: Int, timeout: Duration? = nil) async throws(ChannelError) {
        try await engine.waitForPeers(count, timeout: timeout)
    }
}

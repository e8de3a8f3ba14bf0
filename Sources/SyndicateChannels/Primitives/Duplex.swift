/// A two-way channel: tsyncp's `channel` (one peer) and `multi_channel` (many). `split()` gives
/// its halves, which are values usable from different tasks at once.
public struct Duplex<Codec: ChannelCodec>: Sendable {
    public let sender: ChannelSender<Codec>
    public let receiver: ChannelReceiver<Codec>

    init(engine: any ChannelEngine, codec: Codec) {
        sender = ChannelSender(engine: engine, codec: codec)
        receiver = ChannelReceiver(engine: engine, codec: codec)
    }

    nonisolated(nonsending) public func send(_ item: Codec.Item) async throws(ChannelError) { try await sender.send(item) }
    nonisolated(nonsending) public func send(_ item: Codec.Item, to peers: [Peer]) async throws(ChannelError) { try await sender.send(item, to: peers) }
    nonisolated(nonsending) public func send(_ item: Codec.Item, where include: (Peer) -> Bool) async throws(ChannelError) {
        try await sender.send(item, where: include)
    }
    nonisolated(nonsending) public func receive() async throws(ChannelError) -> Codec.Item? { try await receiver.receive() }
    nonisolated(nonsending) public func receiveWithSender() async throws(ChannelError) -> Received<Codec.Item>? { try await receiver.receiveWithSender() }

    /// The receiving and the sending half (tsyncp's `split()`, same order).
    public func split() -> (ChannelReceiver<Codec>, ChannelSender<Codec>) { (receiver, sender) }

    public var peers: [Peer] { sender.peers }
    public var peerCount: Int { sender.peerCount }
    public var limit: Int? { sender.limit }
    public var localPort: Int? { sender.localPort }
    public var events: AsyncStream<PeerEvent> { sender.events }
    public func waitForPeers(_ count: Int, timeout: Duration? = nil) async throws(ChannelError) {
        try await sender.waitForPeers(count, timeout: timeout)
    }
}

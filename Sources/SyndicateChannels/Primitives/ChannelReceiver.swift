/// The receiving side of a primitive, as an `AsyncSequence` of items: mpsc's receiver,
/// broadcast's receiver, a split channel's receiving half.
///
/// Items from one peer arrive in the order it sent them; there is no order across peers. A
/// connecting receiver's sequence ends when its peer goes away; a listening one's ends when the
/// primitive is closed. A payload that does not decode throws ``ChannelError/codec(_:)``; calling
/// `next()` again goes on with the next item.
public struct ChannelReceiver<Codec: ChannelCodec>: AsyncSequence, Sendable {
    public typealias Element = Codec.Item
    public typealias Failure = ChannelError

    let engine: any ChannelEngine
    /// The codec items are decoded with.
    public let codec: Codec

    init(engine: any ChannelEngine, codec: Codec) {
        self.engine = engine
        self.codec = codec
    }

    /// The next item, or nil at the end.
    nonisolated(nonsending) public func receive() async throws(ChannelError) -> Codec.Item? {
        guard let (_, payload) = try await engine.receive() else { return nil }
        return try codec.decode(payload)
    }

    /// The next item with the peer that sent it (tsyncp's `.with_addr()`).
    nonisolated(nonsending) public func receiveWithSender() async throws(ChannelError) -> Received<Codec.Item>? {
        guard let (peer, payload) = try await engine.receive() else { return nil }
        return Received(item: try codec.decode(payload), sender: peer)
    }

    /// The same items, each with its sender.
    public var withSender: WithSender { WithSender(receiver: self) }

    public var peers: [Peer] { engine.peers }
    public var peerCount: Int { engine.peers.count }
    /// The port the listening side is bound to (with port 0, the one picked).
    public var localPort: Int? { engine.localPort }
    public var limit: Int? { engine.limit }
    public var isFull: Bool { limit.map { peerCount >= $0 } ?? false }
    /// Joins and leaves. Each access is a subscription of its own: it starts with a `.joined`
    /// for every peer present, then gets every change; any number may run at once.
    public var events: AsyncStream<PeerEvent> { engine.events }

    /// Over the broker, the credit of the link to `peer` (see ``ChannelSender/flow(of:)``).
    public func flow(of peer: Peer) -> PeerFlow? { engine.flow(of: peer) }

    public func waitForPeers(_ count: Int, timeout: Duration? = nil) async throws(ChannelError) {
        try await engine.waitForPeers(count, timeout: timeout)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let receiver: ChannelReceiver
        nonisolated(nonsending) public mutating func next() async throws(ChannelError) -> Codec.Item? { try await receiver.receive() }
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(ChannelError) -> Codec.Item? {
            try await receiver.receive()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(receiver: self) }

    /// ``ChannelReceiver`` with each item's sender.
    public struct WithSender: AsyncSequence, Sendable {
        public typealias Element = Received<Codec.Item>
        public typealias Failure = ChannelError
        let receiver: ChannelReceiver

        public struct AsyncIterator: AsyncIteratorProtocol {
            let receiver: ChannelReceiver
            nonisolated(nonsending) public mutating func next() async throws(ChannelError) -> Received<Codec.Item>? {
                try await receiver.receiveWithSender()
            }
            public mutating func next(isolation actor: isolated (any Actor)?) async throws(ChannelError) -> Received<Codec.Item>? {
                try await receiver.receiveWithSender()
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(receiver: receiver) }
    }
}

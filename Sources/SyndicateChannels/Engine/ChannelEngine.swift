/// What a primitive needs from a transport: payloads to and from peers, and the peer set.
/// Direct mode (``DirectEngine``) and the broker (``BrokerEngine``) implement it.
protocol ChannelEngine: Sendable {
    /// Sends one payload to every peer (`targets` nil) or to the given ones.
    nonisolated(nonsending) func send(_ payload: [UInt8], to targets: [Peer]?) async throws(ChannelError)
    /// The next payload from any peer; nil once closed.
    nonisolated(nonsending) func receive() async throws(ChannelError) -> (Peer, [UInt8])?
    /// Peers present now.
    var peers: [Peer] { get }
    /// The port a listening engine is bound to (useful with port 0); nil otherwise.
    var localPort: Int? { get }
    /// The peer limit, if any.
    var limit: Int? { get }
    /// Joins and leaves: each call is a new subscription, which starts with a `.joined` for
    /// every peer present and then gets every change.
    var events: AsyncStream<PeerEvent> { get }
    /// Returns once at least `count` peers are present.
    func waitForPeers(_ count: Int, timeout: Duration?) async throws(ChannelError)
    /// Barrier: once `flag` is set, waiters that join are released as they arrive.
    func releaseLateArrivals(_ flag: BarrierFlag)
    /// The credit state of the link to `peer` (broker mode); nil in direct mode.
    func flow(of peer: Peer) -> PeerFlow?
}

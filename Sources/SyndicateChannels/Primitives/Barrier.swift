import NIOConcurrencyHelpers
import SyndicateNIO

/// The releasing side of a barrier. It counts its waiters (their presence) and releases them;
/// once released, waiters that arrive later are released as they join (unless
/// ``ChannelOptions/releaseLateArrivals`` is off), so the release is state rather than an event.
/// On the wire a release is tsyncp's frame `01 00`.
public struct Barrier: Sendable {
    let engine: any ChannelEngine
    let released: BarrierFlag

    /// Waiters present now.
    public var waiters: [Peer] { engine.peers }
    public var waiterCount: Int { engine.peers.count }
    /// The port the listening side is bound to (with port 0, the one picked).
    public var localPort: Int? { engine.localPort }
    public var limit: Int? { engine.limit }
    /// Arrivals and departures; each access is a subscription of its own (see ``ChannelSender/events``).
    public var events: AsyncStream<PeerEvent> { engine.events }

    /// Returns once `count` waiters have arrived.
    public func waitForArrivals(_ count: Int, timeout: Duration? = nil) async throws(ChannelError) {
        try await engine.waitForPeers(count, timeout: timeout)
    }

    /// Releases every waiter present, and marks the barrier released. Throws
    /// ``ChannelError/noPeers`` if nobody is waiting (still marked released).
    public func release() async throws(ChannelError) {
        released.set()
        try await engine.send(try ReleaseCodec().encode(()), to: nil)
    }

    /// Releases only the given waiters (tsyncp's `release().to(..)`); does not mark the barrier released.
    public func release(to peers: [Peer]) async throws(ChannelError) {
        if peers.isEmpty { throw .noPeers }
        try await engine.send(try ReleaseCodec().encode(()), to: peers)
    }

    /// Whether ``release()`` was called.
    public var isReleased: Bool { released.value }
}

/// The waiting side of a barrier.
public struct BarrierWaiter: Sendable {
    let engine: any ChannelEngine

    /// Returns when the barrier releases this waiter. Throws ``ChannelError/closed`` if the
    /// barrier goes away first.
    public func wait() async throws(ChannelError) {
        guard let (_, payload) = try await engine.receive() else { throw .closed }
        try ReleaseCodec().decode(payload)
    }
}

final class BarrierFlag: Sendable {
    private let flag = NIOLockedValueBox(false)
    func set() { flag.withLock { $0 = true } }
    var value: Bool { flag.withLock { $0 } }
}

import NIOConcurrencyHelpers
import NIOCore
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols

/// A broker-mode endpoint's own connection to the broker, whose actor runs its turns on the
/// relay session's event loop (a `SyndicateClient`'s actor has a queue of its own).
///
/// Items then go from the socket to the endpoint's entities, and from its turns to the
/// socket, without waking another thread: the relay session and the endpoint hand each other
/// batches on one loop. Only the hop to and from the tasks that call `send` and `receive` is left.
final class LoopBrokerSession: BrokerSession {
    let address: RelayAddress
    private let dataspace: Ref
    private let actor: SyndicateActor
    private let connection: RelayConnection

    private struct State {
        var end: SyndicateClientError?
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    private init(address: RelayAddress, dataspace: Ref, actor: SyndicateActor, connection: RelayConnection) {
        self.address = address
        self.dataspace = dataspace
        self.actor = actor
        self.connection = connection
    }

    /// Connects to the broker at `address` and resolves `sturdyRef` there (as
    /// `SyndicateClient.connect(to:sturdyRef:)` does, the request sent from the session's first
    /// turn), within `resolveTimeout`.
    static func connect(
        to address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref>, resolveTimeout: Duration = .seconds(10)
    ) async throws(SyndicateClientError) -> LoopBrokerSession {
        let resolved = try await ResolvedConnection.connect(
            to: address, sturdyRef: sturdyRef, name: "channels \(address)", placement: .sessionLoop,
            resolveTimeout: resolveTimeout)
        let session = LoopBrokerSession(address: address, dataspace: resolved.dataspace, actor: resolved.actor, connection: resolved.connection)
        Task { [weak session] in
            _ = await resolved.sessionEnded.value
            session?.end(.connectionLost(address: "\(address)"))
        }
        return session
    }

    /// The event loop the session's turns run on.
    var eventLoop: (any EventLoop)? { (connection.session.actor.executor as? EventLoopExecutor)?.eventLoop }

    func run(_ action: @escaping @Sendable (Turn, Ref) throws -> Void) throws(SyndicateClientError) {
        if let end = state.withLock({ $0.end }) { throw end }
        let ds = dataspace
        actor.run { turn in try action(turn, ds) }
    }

    func sync() async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        let ds = dataspace
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let end = state.withLock { s -> SyndicateClientError? in
                    if let end = s.end { return end }
                    s.waiters[id] = continuation
                    return nil
                }
                if let end {
                    continuation.resume(throwing: end)
                    return
                }
                actor.run { [self] turn in
                    turn.sync(ds) { [self] _ in state.withLock { $0.waiters.removeValue(forKey: id) }?.resume() }
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    func closed() async -> SyndicateClientError {
        _ = await connection.session.actor.terminated()
        return state.withLock { $0.end } ?? .connectionLost(address: "\(address)")
    }

    func close() async {
        guard end(.closed) else { return }
        _ = await actor.terminated()
        // The retractions are queued at the session ahead of this; it writes them, then closes.
        connection.session.transportClosed()
        _ = await connection.session.actor.terminated()
    }

    /// Marks the session ended, fails waiting syncs and stops the actor (retracting what it
    /// asserted). Returns whether this call ended it.
    @discardableResult
    private func end(_ reason: SyndicateClientError) -> Bool {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, any Error>]? in
            guard s.end == nil else { return nil }
            s.end = reason
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(throwing: reason) }
        actor.run { turn in turn.stopActor() }
        return true
    }
}

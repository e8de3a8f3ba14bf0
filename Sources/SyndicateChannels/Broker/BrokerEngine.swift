import NIOConcurrencyHelpers
import Preserves
import Syndicate
import SyndicateChannelsSchemas
import SyndicateNIO
import SyndicateProtocols

/// Broker mode: one endpoint of a primitive as assertions and messages on a dataspace of
/// `syndicate-server` (the protocol is `Schemas/SyndicateChannelsSchemas/channelProtocol.prs`).
///
/// The endpoint lives in a facet of its client's actor: stopping the facet retracts its
/// presence and links. Handlers (`endpointAsserted`, `linkMessage`, …) run in turns of that
/// actor; `send`, `receive` and the waits run in callers' tasks. Both meet in `state`.
///
/// Back-pressure is credit: a receiving side grants each link a window of `window` items and
/// raises it as its consumer takes items; a sending side never sends past the credit it holds,
/// so at most `window` items per link are ever between a sender and its receiver's consumer.
final class BrokerEngine: ChannelEngine {
    struct Link {
        var peer: Peer
        var nonce: [UInt8]
        /// Counted in `order` (connector: its `Accept` arrived; acceptor: its `Ready` did).
        var joined = false
        /// What this side asserts for the link: its `Connect` (connector) or `Accept` (acceptor).
        var handle: Handle?
        /// The other side's link entity; an acceptor uses it only once `Ready` proved it.
        var target: Ref?
        /// Items sent on the link, and the total the peer allows.
        var sent = 0
        var sendLimit = 0
        /// Items received, taken by the consumer, and the total granted to the peer.
        var received = 0
        var consumed = 0
        var granted = 0
        /// Barrier: the release is asserted on this link. Waiter: it arrived.
        var released = false
        /// The peer announced it is closing (``ChannelProtocol/Leaving``): its retraction is a clean leave.
        var leaving = false
    }

    /// What an accepting endpoint answered to a `Connect` (by the `Connect`'s handle).
    enum Incoming {
        case link(UInt64)
        case refusal(Handle)
    }

    enum Arrival: Sendable {
        case item(link: UInt64, peer: Peer, payload: [UInt8])
        case release(Peer)
        case failure(ChannelError)
    }

    struct State {
        var links: [UInt64: Link] = [:]
        /// Joined links, in the order they joined.
        var order: [UInt64] = []
        var byNonce: [[UInt8]: UInt64] = [:]
        /// Acceptor: `Connect` handles. Connector: `Accept` handles.
        var incoming: [Handle: Incoming] = [:]
        /// Connector: the counterpart `Presence`s seen (by their handles), with their links.
        var presences: [Handle: UInt64] = [:]
        var pending = 0
        var refusals: [ChannelError] = []
        var everJoined = false
        var nextID: UInt64 = 0
        var facet: FacetID?
        var closed = false
        var ended: ChannelError?
        var waiters = BrokerWaiters()
        /// Items to send: each target with the index of its payload in `payloads` (a broadcast
        /// queues one payload for all its links, made into an `Item` once).
        var outbox: [(target: Ref, payload: Int)] = []
        var payloads: [[UInt8]] = []
        var flushScheduled = false
        var creditDue: Set<UInt64> = []
        var creditScheduled = false
        var subscribers = PeerEventSubscribers()
        /// Barrier: released (by `Barrier.release()`), so waiters that link later are released at once.
        var releaseFlag: BarrierFlag?
    }

    let client: any BrokerSession
    let name: String
    let role: BrokerRole
    let label: String
    let options: ChannelOptions
    /// Credit granted per link, items.
    let window: Int
    private let state = NIOLockedValueBox(State())
    private let inbox: BoundedQueue<Arrival>

    /// At most this many links whose connector has not sent `Ready` at once (each is held for
    /// ``ChannelOptions/readyTimeout``; with a `limit`, the limit bounds them already).
    static let maximumPending = 64

    /// Receiving ends when the last peer goes: connecting receivers, and a 1:1 channel's listening side.
    let endsWithPeers: Bool

    init(client: any BrokerSession, name: String, role: BrokerRole, options: ChannelOptions, single: Bool = false) {
        self.endsWithPeers = role.receives && (!role.accepts || single)
        self.client = client
        self.name = name
        self.role = role
        self.options = options
        self.window = max(2, options.receiveBuffer)
        self.label = options.label ?? "peer-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        inbox = BoundedQueue(capacity: Int.max / 2)
    }

    var limit: Int? { options.limit }
    var localPort: Int? { nil }

    var peers: [Peer] {
        state.withLock { s in s.order.compactMap { s.links[$0]?.peer } }
    }

    var events: AsyncStream<PeerEvent> {
        state.withLock { s in
            s.subscribers.subscribe(present: s.order.compactMap { s.links[$0]?.peer }) { [weak self] id in
                self?.state.withLock { $0.subscribers.remove(id) }
            }
        }
    }

    func releaseLateArrivals(_ flag: BarrierFlag) {
        state.withLock { $0.releaseFlag = flag }
    }

    /// The credit state of the link to `peer`.
    func flow(of peer: Peer) -> PeerFlow? {
        state.withLock { s in
            s.links[peer.id].map { PeerFlow(sent: $0.sent, sendLimit: $0.sendLimit, received: $0.received, taken: $0.consumed, granted: $0.granted) }
        }
    }

    // MARK: Opening and closing

    /// Makes the endpoint's facet: its entity, its presence and (connecting roles) the
    /// observer of its counterparts' presences. Returns once the dataspace has handled them,
    /// so the counterparts present now are known.
    func start() async throws(ChannelError) {
        do {
            try client.run { [self] turn, ds in
                let facet = turn.facet { turn in
                    _ = turn.preventInertCheck()
                    let entity = turn.ref(EndpointEntity(engine: self))
                    turn.assert(ds, ChannelProtocol.Presence<Ref>(channel: name, role: role.role, label: label, entity: entity))
                    if let counterpart = role.counterpart {
                        turn.onAssertion(
                            ds, ChannelProtocol.Presence<Ref>.pattern(channel: .literal(name), role: .literal(counterpart)),
                            onAssert: { [self] turn, presence, handle in counterpartAppeared(turn, presence, handle, endpoint: entity) },
                            onRetract: { [self] turn, _, handle in counterpartGone(turn, handle) })
                    }
                }
                state.withLock { $0.facet = facet }
            }
            try await client.sync()
        } catch {
            throw Self.clientError(error, client)
        }
        watchConnection()
    }

    private func watchConnection() {
        let client = self.client
        Task { [weak self] in
            let end = await client.closed()
            self?.connectionEnded(end)
        }
    }

    /// Stops the endpoint: what it queued is sent first, then its presence and links are
    /// retracted (its peers see it leave).
    func close() async {
        let (waiters, subscribers) = state.withLock { s in
            s.closed = true
            let waiters = s.waiters.takeAll()
            return (waiters, s.subscribers.finish())
        }
        for waiter in waiters { waiter.resume() }
        for subscriber in subscribers { subscriber.finish() }
        inbox.finish()
        try? client.run { [self] turn, _ in
            let (facet, targets) = state.withLock { s in (s.facet, s.order.compactMap { s.links[$0]?.target }) }
            for target in targets { turn.message(target, ChannelProtocol.Leaving()) }
            if let facet { turn.stop(facet) }
        }
        try? await client.sync()
    }

    private func connectionEnded(_ end: SyndicateClientError) {
        let error = ChannelError.connection(peer: "\(client.address)", reason: "\(end)")
        let (waiters, left) = state.withLock { s -> ([CheckedContinuation<Void, Never>], [Peer]) in
            if s.ended != nil || s.closed { return ([], []) }
            s.ended = error
            let left = s.order.compactMap { s.links[$0]?.peer }
            for peer in left { s.subscribers.yield(.left(peer, reason: error)) }
            s.links = [:]
            s.order = []
            let waiters = s.waiters.takeAll()
            return (waiters, left)
        }
        for waiter in waiters { waiter.resume() }
        if !left.isEmpty || end != .closed {
            inbox.append(.failure(error))
            inbox.finish()
        }
    }

    static func clientError(_ error: any Error, _ client: any BrokerSession) -> ChannelError {
        if let error = error as? ChannelError { return error }
        if error is CancellationError { return .closed }
        return .connection(peer: "\(client.address)", reason: "\(error)")
    }

    // MARK: Waiting for peers

    /// Suspends until the state changes (a join, a leave, a refusal, a presence) or `deadline`.
    private func awaitChange(until deadline: ContinuousClock.Instant?) async {
        await suspend(for: .change, until: deadline) { _ in true }
    }

    /// Suspends until woken for `reason`, `deadline`, cancellation or the end of the engine;
    /// not at all if `stillWaiting` says the wait is over already.
    private func suspend(
        for reason: BrokerWaiters.Reason, until deadline: ContinuousClock.Instant?, stillWaiting: (State) -> Bool
    ) async {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        let timer = deadline.map { deadline in
            Task { [weak self] in
                try? await Task.sleep(until: deadline)
                self?.wake(id)
            }
        }
        defer { timer?.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.closed || s.ended != nil || Task.isCancelled || !stillWaiting(s) { return true }
                    s.waiters.add(id, for: reason, c)
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            wake(id)
        }
    }

    private func wake(_ id: UInt64) {
        state.withLock { $0.waiters.remove(id) }?.resume()
    }

    /// Takes the change waiters, to be resumed outside the lock.
    private static func takeChangeWaiters(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        s.waiters.take(.change)
    }

    private func checkOpen(_ s: State) throws(ChannelError) {
        if let ended = s.ended { throw ended }
        if s.closed { throw .closed }
    }

    func waitForPeers(_ count: Int, timeout: Duration?) async throws(ChannelError) {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        while true {
            let present = try state.withLock { s throws(ChannelError) -> Int in
                try checkOpen(s)
                return s.order.count
            }
            if present >= count { return }
            if let deadline, clock.now >= deadline {
                throw .timedOut("\(present) of \(count) peers on channel \(name) after \(timeout ?? .zero)")
            }
            if Task.isCancelled { throw .closed }
            await awaitChange(until: deadline)
        }
    }

    /// A connecting endpoint's start: returns once it has linked to a counterpart. Without
    /// `retry` it fails at once if none is present; with it, it waits that long for one.
    func awaitCounterpart(retry: Duration?) async throws(ChannelError) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: retry ?? .seconds(10))
        let counterpart = role.counterpart.map { $0.preserves(as: Ref.self).description } ?? "peer"
        while true {
            let done = try state.withLock { s throws(ChannelError) -> Bool in
                try checkOpen(s)
                if !s.order.isEmpty { return true }
                if s.links.isEmpty, let refusal = s.refusals.last { throw refusal }
                if retry == nil, s.presences.isEmpty {
                    throw .connection(peer: "channel \(name)", reason: "no \(counterpart) on the broker")
                }
                return false
            }
            if done { return }
            if clock.now >= deadline {
                throw .timedOut("no \(counterpart) linked on channel \(name) within \(retry ?? .seconds(10))")
            }
            if Task.isCancelled { throw .closed }
            await awaitChange(until: deadline)
        }
    }

    // MARK: Handlers (turns of the client's actor)

    /// Connector: a counterpart appeared; open a link to it.
    func counterpartAppeared(_ turn: Turn, _ presence: ChannelProtocol.Presence<Ref>, _ presenceHandle: Handle, endpoint: Ref) {
        var nonce = [UInt8](repeating: 0, count: 16)
        for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255) }
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        let mine = turn.ref(LinkEntity(engine: self, link: id))
        let credit = role.receives ? window : 0
        let handle = turn.assert(presence.entity, ChannelProtocol.Connect<Ref>(
            channel: name, role: role.role, label: label, peer: endpoint, nonce: nonce, link: mine, credit: SignedInteger(credit)))
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.links[id] = Link(peer: Peer(id: id, address: presence.label), nonce: nonce, handle: handle, granted: credit)
            s.byNonce[nonce] = id
            s.presences[presenceHandle] = id
            return Self.takeChangeWaiters(&s)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Connector: a counterpart's presence went. A link not yet accepted is dropped; a linked
    /// one ends when its `Accept` is retracted (which comes after the items it sent, on the
    /// same path), so only the `Connect` is withdrawn here.
    func counterpartGone(_ turn: Turn, _ presenceHandle: Handle) {
        let (handle, waiters, ended) = state.withLock { s -> (Handle?, [CheckedContinuation<Void, Never>], Bool) in
            guard let id = s.presences.removeValue(forKey: presenceHandle) else { return (nil, [], false) }
            var handle: Handle?
            if var link = s.links[id] {
                handle = link.handle
                link.handle = nil
                if link.joined {
                    s.links[id] = link
                } else {
                    s.links[id] = nil
                    s.byNonce[link.nonce] = nil
                }
            }
            return (handle, Self.takeChangeWaiters(&s), connectingReceiverEnded(s))
        }
        if let handle { turn.retract(handle) }
        for waiter in waiters { waiter.resume() }
        if ended { inbox.finish() }
    }

    /// A connecting receiver's items end when its last peer goes (as a direct connection's do),
    /// and so do a 1:1 channel's listening side's.
    private func connectingReceiverEnded(_ s: State) -> Bool {
        endsWithPeers && s.everJoined && s.order.isEmpty && s.presences.isEmpty
    }

    func endpointAsserted(_ turn: Turn, _ value: AnyValue, _ handle: Handle) {
        if role.accepts {
            if let connect = try? ChannelProtocol.Connect<Ref>(preserves: value) { accept(turn, connect, handle) }
        } else if let accept = try? ChannelProtocol.Accept<Ref>(preserves: value) {
            accepted(turn, accept, handle)
        } else if let refuse = try? ChannelProtocol.Refuse(preserves: value) {
            refused(turn, refuse)
        }
    }

    /// Acceptor: a connector asks for a link. Refused over the limit or by the filter;
    /// otherwise answered with an `Accept`, and joined once its `Ready` comes.
    private func accept(_ turn: Turn, _ connect: ChannelProtocol.Connect<Ref>, _ connectHandle: Handle) {
        guard connect.channel == name, connect.role == role.connector else { return }
        let refusal: ChannelProtocol.RefuseReason? = state.withLock { s in
            if let filter = options.filter, !filter(connect.label) { return .filtered }
            if let limit = options.limit, s.order.count + s.pending >= limit { return .limitReached(limit: SignedInteger(limit)) }
            if s.pending >= Self.maximumPending { return .limitReached(limit: SignedInteger(s.order.count + s.pending)) }
            return nil
        }
        if let refusal {
            let handle = turn.assert(connect.peer, ChannelProtocol.Refuse(nonce: connect.nonce, reason: refusal))
            let reason: ChannelError? = if case .limitReached(let limit) = refusal { .limitReached(limit: limit.int ?? 0) } else { nil }
            state.withLock { s in
                s.incoming[connectHandle] = .refusal(handle)
                s.subscribers.yield(.refused(address: connect.label, reason: reason))
            }
            return
        }
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        let mine = turn.ref(LinkEntity(engine: self, link: id))
        let credit = role.receives ? window : 0
        let handle = turn.assert(connect.peer, ChannelProtocol.Accept<Ref>(nonce: connect.nonce, link: mine, credit: SignedInteger(credit)))
        state.withLock { s in
            var link = Link(peer: Peer(id: id, address: connect.label), nonce: connect.nonce, handle: handle, granted: credit)
            link.target = connect.link
            link.sendLimit = connect.credit.int ?? 0
            s.links[id] = link
            s.incoming[connectHandle] = .link(id)
            s.pending += 1
        }
        let client = self.client, timeout = options.readyTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard let self else { return }
            try? client.run { turn, _ in self.dropIfPending(turn, id) }
        }
    }

    /// Acceptor: a link still without its `Ready` after ``ChannelOptions/readyTimeout`` is dropped.
    private func dropIfPending(_ turn: Turn, _ id: UInt64) {
        let label = state.withLock { s -> String? in
            guard let link = s.links[id], !link.joined else { return nil }
            return link.peer.address
        }
        guard let label else { return }
        removeLink(turn, id, reason: nil)
        yield(.refused(address: label, reason: .timedOut("no Ready within \(options.readyTimeout)")))
    }

    private func yield(_ event: PeerEvent) {
        state.withLock { $0.subscribers.yield(event) }
    }

    /// Connector: the acceptor answered; the link is up.
    private func accepted(_ turn: Turn, _ accept: ChannelProtocol.Accept<Ref>, _ acceptHandle: Handle) {
        let joined = state.withLock { s -> (Peer, [CheckedContinuation<Void, Never>])? in
            guard let id = s.byNonce[accept.nonce], var link = s.links[id], !link.joined, link.handle != nil else { return nil }
            link.target = accept.link
            link.sendLimit = accept.credit.int ?? 0
            link.joined = true
            s.links[id] = link
            s.incoming[acceptHandle] = .link(id)
            s.order.append(id)
            s.everJoined = true
            s.subscribers.yield(.joined(link.peer))
            return (link.peer, Self.takeChangeWaiters(&s))
        }
        guard let (peer, waiters) = joined else { return }
        turn.message(accept.link, ChannelProtocol.Ready())
        options.onJoin?(peer)
        for waiter in waiters { waiter.resume() }
    }

    /// Connector: the acceptor refused the link.
    private func refused(_ turn: Turn, _ refuse: ChannelProtocol.Refuse) {
        let outcome = state.withLock { s -> (Handle?, [CheckedContinuation<Void, Never>])? in
            guard let id = s.byNonce.removeValue(forKey: refuse.nonce), let link = s.links.removeValue(forKey: id) else { return nil }
            let reason: ChannelError = switch refuse.reason {
            case .limitReached(let limit): .limitReached(limit: limit.int ?? 0)
            case .filtered: .connection(peer: link.peer.address, reason: "refused by its accept filter")
            }
            s.refusals.append(reason)
            s.subscribers.yield(.refused(address: link.peer.address, reason: reason))
            return (link.handle, Self.takeChangeWaiters(&s))
        }
        guard let (handle, waiters) = outcome else { return }
        if let handle { turn.retract(handle) }
        for waiter in waiters { waiter.resume() }
    }

    func endpointRetracted(_ turn: Turn, _ handle: Handle) {
        guard let incoming = state.withLock({ $0.incoming.removeValue(forKey: handle) }) else { return }
        switch incoming {
        case .refusal(let refusal): turn.retract(refusal)
        case .link(let id):
            let reason = state.withLock { s -> ChannelError? in
                guard let link = s.links[id], link.joined, !link.leaving else { return nil }
                return .connection(peer: link.peer.address, reason: "went away without leaving (its session ended)")
            }
            removeLink(turn, id, reason: reason)
        }
    }

    /// Ends a link: withdraws this side's assertion, reports the leave if it had joined, and
    /// lets go of sends waiting for its credit.
    private func removeLink(_ turn: Turn, _ id: UInt64, reason: ChannelError?) {
        let outcome = state.withLock { s -> (Handle?, [CheckedContinuation<Void, Never>], Bool)? in
            guard let link = s.links.removeValue(forKey: id) else { return nil }
            s.byNonce[link.nonce] = nil
            if link.joined {
                s.order.removeAll { $0 == id }
                s.subscribers.yield(.left(link.peer, reason: reason))
            } else if role.accepts {
                s.pending -= 1
            }
            let waiters = s.waiters.take(.credit(link: id), orChange: true)
            return (link.handle, waiters, connectingReceiverEnded(s))
        }
        guard let (handle, waiters, ended) = outcome else { return }
        if let handle { turn.retract(handle) }
        for waiter in waiters { waiter.resume() }
        if ended { inbox.finish() }
    }

    func linkMessage(_ turn: Turn, _ id: UInt64, _ value: AnyValue) {
        if let items = try? ChannelProtocol.Items(preserves: value) {
            itemsArrived(turn, id, items.payloads)
        } else if let item = try? ChannelProtocol.Item(preserves: value) {
            itemsArrived(turn, id, [item.payload])
        } else if let credit = try? ChannelProtocol.Credit(preserves: value) {
            let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                guard var link = s.links[id], let total = credit.total.int else { return [] }
                link.sendLimit = max(link.sendLimit, total)
                s.links[id] = link
                return s.waiters.take(.credit(link: id))
            }
            for waiter in waiters { waiter.resume() }
        } else if (try? ChannelProtocol.Ready(preserves: value)) != nil {
            ready(turn, id)
        } else if (try? ChannelProtocol.Leaving(preserves: value)) != nil {
            state.withLock { s in s.links[id]?.leaving = true }
        }
    }

    private func itemsArrived(_ turn: Turn, _ id: UInt64, _ payloads: [[UInt8]]) {
        guard !payloads.isEmpty else { return }
        let outcome = state.withLock { s -> (Peer, Bool)? in
            // In place: one hash, no copy of the link (this runs per batch of items).
            guard role.receives, let index = s.links.index(forKey: id), s.links.values[index].joined else { return nil }
            s.links.values[index].received += payloads.count
            let link = s.links.values[index]
            return (link.peer, link.received > link.granted)
        }
        guard let (peer, overrun) = outcome else { return }
        if overrun {
            removeLink(turn, id, reason: .connection(peer: peer.address, reason: "sent past the credit it was granted"))
            return
        }
        inbox.append(contentsOf: payloads.map { .item(link: id, peer: peer, payload: $0) })
    }

    /// Acceptor: the connector holds the `Accept`; it joins.
    private func ready(_ turn: Turn, _ id: UInt64) {
        let joined = state.withLock { s -> (Peer, Ref?, Bool, [CheckedContinuation<Void, Never>])? in
            guard role.accepts, var link = s.links[id], !link.joined else { return nil }
            link.joined = true
            let release = role.isBarrier && (s.releaseFlag?.value ?? false)
            if release { link.released = true }
            s.links[id] = link
            s.pending -= 1
            s.order.append(id)
            s.everJoined = true
            s.subscribers.yield(.joined(link.peer))
            return (link.peer, link.target, release, Self.takeChangeWaiters(&s))
        }
        guard let (peer, target, release, waiters) = joined else { return }
        if release, let target { assertRelease(turn, target) }
        options.onJoin?(peer)
        for waiter in waiters { waiter.resume() }
    }

    private func assertRelease(_ turn: Turn, _ target: Ref) {
        guard let facet = state.withLock({ $0.facet }) else { return }
        turn.inFacet(facet) { turn in turn.assert(target, ChannelProtocol.Release()) }
    }

    /// Waiter: the barrier released this waiter.
    func linkAsserted(_ turn: Turn, _ id: UInt64, _ value: AnyValue) {
        guard role.role == .waiter, (try? ChannelProtocol.Release(preserves: value)) != nil else { return }
        let peer = state.withLock { s -> Peer? in
            guard var link = s.links[id], link.joined, !link.released else { return nil }
            link.released = true
            s.links[id] = link
            return link.peer
        }
        if let peer { inbox.append(.release(peer)) }
    }

    // MARK: Sending

    nonisolated(nonsending) func send(_ payload: [UInt8], to targets: [Peer]?) async throws(ChannelError) {
        if role.isBarrier {
            try release(to: targets)
            return
        }
        guard role.sends else { throw .codec("this side of the channel does not send") }
        let clock = ContinuousClock()
        let deadline = options.sendTimeout.map { clock.now.advanced(by: $0) }
        var waiting: [UInt64] = []
        let flush = try state.withLock { s throws(ChannelError) -> Bool in
            try checkOpen(s)
            let ids = try selected(s, targets)
            if ids.isEmpty { throw .noPeers }
            var queued = false
            let index = s.payloads.count
            for id in ids {
                if Self.reserve(&s, id, index) { queued = true } else { waiting.append(id) }
            }
            if queued { s.payloads.append(payload) }
            return queued && Self.claimFlush(&s)
        }
        if flush { scheduleFlush() }
        guard !waiting.isEmpty else { return }
        var failures: [ChannelError.PeerFailure] = []
        for id in waiting {
            while true {
                let outcome = try state.withLock { s throws(ChannelError) -> (done: Bool, flush: Bool, failure: ChannelError.PeerFailure?) in
                    try checkOpen(s)
                    guard let link = s.links[id] else { return (true, false, .init(peer: "peer \(id)", reason: "left before it had credit")) }
                    if Self.reserve(&s, id, s.payloads.count) {
                        s.payloads.append(payload)
                        return (true, Self.claimFlush(&s), nil)
                    }
                    if let deadline, clock.now >= deadline {
                        throw .timedOut("sending to \(link.peer.address): no credit within \(options.sendTimeout ?? .zero)")
                    }
                    return (false, false, nil)
                }
                if outcome.flush { scheduleFlush() }
                if let failure = outcome.failure { failures.append(failure) }
                if outcome.done { break }
                if Task.isCancelled { throw .closed }
                await awaitCredit(id, until: deadline)
            }
        }
        if !failures.isEmpty { throw .partialDelivery(failures) }
    }

    private func selected(_ s: State, _ targets: [Peer]?) throws(ChannelError) -> [UInt64] {
        guard let targets else { return s.order }
        return try targets.map { peer throws(ChannelError) in
            guard s.links[peer.id]?.joined == true else { throw .unknownPeer(peer.address) }
            return peer.id
        }
    }

    /// Queues payload number `payload` on link `id` if its credit allows.
    private static func reserve(_ s: inout State, _ id: UInt64, _ payload: Int) -> Bool {
        guard let index = s.links.index(forKey: id), let target = s.links.values[index].target,
              s.links.values[index].sent < s.links.values[index].sendLimit else { return false }
        s.links.values[index].sent += 1
        s.outbox.append((target: target, payload: payload))
        return true
    }

    private static func claimFlush(_ s: inout State) -> Bool {
        if s.flushScheduled { return false }
        s.flushScheduled = true
        return true
    }

    /// Sends what is queued, in one turn (one packet to the broker for many items).
    private func scheduleFlush() {
        do {
            try client.run { [self] turn, _ in
                let (batch, payloads) = state.withLock { s in
                    s.flushScheduled = false
                    defer {
                        s.outbox = []
                        s.payloads = []
                    }
                    return (s.outbox, s.payloads)
                }
                for (target, message) in Self.messages(batch, payloads) { turn.message(target, message) }
            }
        } catch {
            state.withLock { $0.flushScheduled = false }
        }
    }

    /// Payload bytes at most in one `Items` message (a larger item goes alone, as an `Item`).
    static let batchBytes = 64 * 1024

    /// The messages that send `batch` (targets with payload indices, in send order): per
    /// target, its items in order, runs of them as `Items` of at most ``batchBytes``. A run
    /// that several targets get alike (a broadcast) is made into a value once.
    static func messages(_ batch: [(target: Ref, payload: Int)], _ payloads: [[UInt8]]) -> [(Ref, AnyValue)] {
        var order: [Ref] = []
        var runs: [Ref: [Int]] = [:]
        for (target, payload) in batch {
            if runs[target] == nil { order.append(target) }
            runs[target, default: []].append(payload)
        }
        var made: [ArraySlice<Int>: AnyValue] = [:]
        var messages: [(Ref, AnyValue)] = []
        messages.reserveCapacity(order.count)
        for target in order {
            let indices = runs[target]!
            var start = 0
            while start < indices.count {
                var end = start + 1
                var bytes = payloads[indices[start]].count
                while end < indices.count, bytes + payloads[indices[end]].count <= batchBytes {
                    bytes += payloads[indices[end]].count
                    end += 1
                }
                let run = indices[start..<end]
                if let value = made[run] {
                    messages.append((target, value))
                } else {
                    let value = run.count == 1
                        ? ChannelProtocol.Item(payload: payloads[run.first!]).preserves(as: Ref.self)
                        : ChannelProtocol.Items(payloads: run.map { payloads[$0] }).preserves(as: Ref.self)
                    made[run] = value
                    messages.append((target, value))
                }
                start = end
            }
        }
        return messages
    }

    private func awaitCredit(_ link: UInt64, until deadline: ContinuousClock.Instant?) async {
        await suspend(for: .credit(link: link), until: deadline) { s in
            guard let l = s.links[link] else { return false }
            return l.sent >= l.sendLimit
        }
    }

    /// Barrier: asserts the release on the selected waiters' links (kept until the barrier closes).
    private func release(to targets: [Peer]?) throws(ChannelError) {
        let chosen = try state.withLock { s throws(ChannelError) -> [Ref] in
            try checkOpen(s)
            let ids = try selected(s, targets)
            if ids.isEmpty { throw .noPeers }
            var refs: [Ref] = []
            for id in ids {
                guard var link = s.links[id], !link.released, let target = link.target else { continue }
                link.released = true
                s.links[id] = link
                refs.append(target)
            }
            return refs
        }
        guard !chosen.isEmpty else { return }
        do {
            try client.run { [self] turn, _ in
                for target in chosen { assertRelease(turn, target) }
            }
        } catch {
            throw Self.clientError(error, client)
        }
    }

    // MARK: Receiving

    nonisolated(nonsending) func receive() async throws(ChannelError) -> (Peer, [UInt8])? {
        guard let arrival = await inbox.next() else {
            if let ended = state.withLock({ $0.ended }) { throw ended }
            if Task.isCancelled { throw .closed }
            return nil
        }
        switch arrival {
        case .item(let link, let peer, let payload):
            taken(link)
            return (peer, payload)
        case .release(let peer):
            return (peer, [0])
        case .failure(let error):
            throw error
        }
    }

    /// The consumer took an item of link `id`: grant more once half the window is used.
    private func taken(_ id: UInt64) {
        let schedule = state.withLock { s -> Bool in
            guard let index = s.links.index(forKey: id) else { return false }
            s.links.values[index].consumed += 1
            let consumed = s.links.values[index].consumed
            if s.links.values[index].granted - consumed <= window / 2 {
                s.links.values[index].granted = consumed + window
                s.creditDue.insert(id)
            }
            guard !s.creditDue.isEmpty, !s.creditScheduled else { return false }
            s.creditScheduled = true
            return true
        }
        guard schedule else { return }
        try? client.run { [self] turn, _ in
            let grants = state.withLock { s -> [(Ref, Int)] in
                s.creditScheduled = false
                defer { s.creditDue = [] }
                return s.creditDue.compactMap { id in s.links[id].flatMap { link in link.target.map { ($0, link.granted) } } }
            }
            for (target, total) in grants { turn.message(target, ChannelProtocol.Credit(total: SignedInteger(total))) }
        }
    }
}

/// The credit of one link over the broker (see ``ChannelSender/flow(of:)``).
public struct PeerFlow: Sendable, Equatable {
    /// Items sent to the peer, and the total it allows so far.
    public var sent: Int
    public var sendLimit: Int
    /// Items received from the peer, taken by the consumer, and the total granted to it.
    public var received: Int
    public var taken: Int
    public var granted: Int
    /// Received but not yet taken.
    public var buffered: Int { received - taken }
}

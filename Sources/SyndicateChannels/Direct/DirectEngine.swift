import NIOConcurrencyHelpers
import SyndicateNIO
import NIOCore
import NIOPosix

/// Direct mode: tsyncp's wire format over TCP, one NIO channel per peer.
///
/// A listening engine accepts peers continuously up to its limit (tsyncp accepts only when asked;
/// here presence is always current) and notices clean closes as leaves. A connecting engine has
/// exactly one peer; when it goes, receiving ends.
final class DirectEngine: ChannelEngine {
    private struct Member {
        var peer: Peer
        var connection: DirectConnection
        var channel: any Channel { connection.channel }
    }

    private struct State {
        var members: [UInt64: Member] = [:]
        var order: [UInt64] = []
        /// The members in `order` (what a send to all goes to, without building it per send).
        var ordered: [Member] = []
        var nextID: UInt64 = 0
        var peerWaiters: [(id: UInt64, count: Int, ever: Bool, continuation: CheckedContinuation<Void, Never>)] = []
        /// Peers admitted so far, those gone included.
        var admitted = 0
        var closed = false
        var serverChannel: (any Channel)?
        /// Called for every peer that joins (the barrier's late-arrival release).
        var joinHook: (@Sendable (Peer) async -> Void)?
        var subscribers = PeerEventSubscribers()
    }

    private let state = NIOLockedValueBox(State())
    let inbox: DirectInbox
    let options: ChannelOptions
    /// A connecting engine ends its inbox when its one connection ends.
    private let single: Bool
    let allocator = ByteBufferAllocator()

    init(options: ChannelOptions, single: Bool) {
        self.options = options
        self.single = single
        inbox = DirectInbox(capacity: options.receiveBuffer)
    }

    var events: AsyncStream<PeerEvent> {
        state.withLock { s in
            s.subscribers.subscribe(present: s.order.compactMap { s.members[$0]?.peer }) { [weak self] id in
                self?.state.withLock { $0.subscribers.remove(id) }
            }
        }
    }

    private func yield(_ event: PeerEvent) {
        state.withLock { $0.subscribers.yield(event) }
    }

    var limit: Int? { options.limit }

    var peers: [Peer] {
        state.withLock { s in s.order.compactMap { s.members[$0]?.peer } }
    }

    /// The event loop of the first peer present (a 1:1 channel's one connection).
    var firstPeerLoop: (any EventLoop)? { state.withLock { $0.ordered.first?.channel.eventLoop } }

    var localPort: Int? { state.withLock { $0.serverChannel?.localAddress?.port } }

    func setJoinHook(_ hook: @escaping @Sendable (Peer) async -> Void) {
        state.withLock { $0.joinHook = hook }
    }

    func releaseLateArrivals(_ flag: BarrierFlag) {
        setJoinHook { [weak self] peer in
            guard flag.value, let self else { return }
            try? await self.send(try ReleaseCodec().encode(()), to: [peer])
        }
    }

    func flow(of peer: Peer) -> PeerFlow? { nil }

    // MARK: Sending

    nonisolated(nonsending) func send(_ payload: [UInt8], to targets: [Peer]?) async throws(ChannelError) {
        let frame = try FrameEncoding.frame(payload, maximumFrameLength: options.maximumFrameLength, allocator: allocator)
        let selected: [Member] = try state.withLock { s throws(ChannelError) in
            if s.closed { throw .closed }
            guard let targets else { return s.ordered }
            return try targets.map { peer throws(ChannelError) in
                guard let member = s.members[peer.id] else { throw .unknownPeer(peer.address) }
                return member
            }
        }
        if selected.isEmpty { throw .noPeers }
        // The common case: every connection has room, nothing to wait for.
        var waiting: [Member] = []
        var failures: [ChannelError.PeerFailure] = []
        for member in selected {
            switch member.connection.offer(frame) {
            case .queued, .queuedFirst: break
            case .full: waiting.append(member)
            case .closed: failures.append(.init(peer: member.peer.address, reason: "connection closed"))
            }
        }
        if !waiting.isEmpty {
            // Frames are whole buffers, so a send given up on is either queued whole or not at
            // all: the stream stays well-framed.
            let late: @Sendable () async throws(ChannelError) -> Void = { [waiting] () async throws(ChannelError) in
                var failures: [ChannelError.PeerFailure] = []
                for member in waiting {
                    do throws(ChannelError) {
                        try await member.connection.send(frame, peer: member.peer.address)
                    } catch {
                        if case .closed = error, Task.isCancelled { throw error }
                        failures.append(.init(peer: member.peer.address, reason: "\(error)"))
                    }
                }
                if !failures.isEmpty { throw .partialDelivery(failures) }
            }
            do throws(ChannelError) {
                if let timeout = options.sendTimeout {
                    try await SendDeadline.run(timeout, "sending: not written within \(timeout)", late)
                } else {
                    try await late()
                }
            } catch {
                guard case .partialDelivery(let more) = error else { throw error }
                failures += more
            }
        }
        if !failures.isEmpty { throw .partialDelivery(failures) }
    }

    // MARK: Receiving

    nonisolated(nonsending) func receive() async throws(ChannelError) -> (Peer, [UInt8])? {
        guard let arrival = await inbox.next() else {
            if Task.isCancelled { throw .closed }
            return nil
        }
        switch arrival {
        case .frame(let peer, let buffer): return (peer, buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
        case .failure(let error): throw error
        }
    }

    func waitForPeers(_ count: Int, timeout: Duration?) async throws(ChannelError) {
        try await waitForPeers(count, ever: false, timeout: timeout)
    }

    /// A connecting engine's start: returns once its connection has been admitted, even if it
    /// has ended since (a listener that sent its items and closed at once, or one that refused
    /// it over its limit: the receiver then sees the items, if any, and the end).
    func waitForAdmission(timeout: Duration) async throws(ChannelError) {
        try await waitForPeers(1, ever: true, timeout: timeout)
    }

    /// Waits until `count` peers are present, or (`ever`) have been admitted in all.
    private func waitForPeers(_ count: Int, ever: Bool, timeout: Duration?) async throws(ChannelError) {
        guard count > 0 else { return }
        let reached: @Sendable (State) -> Bool = { s in (ever ? s.admitted : s.members.count) >= count }
        let waiter = state.withLock { s -> UInt64? in
            if reached(s) || s.closed { return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let waiter else {
            if state.withLock({ $0.closed }) { throw .closed }
            return
        }
        let wait: @Sendable () async -> Void = { [self] in
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if reached(s) || s.closed || Task.isCancelled { return true }
                        s.peerWaiters.append((waiter, count, ever, c))
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: { [self] in
                let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
                    guard let i = s.peerWaiters.firstIndex(where: { $0.id == waiter }) else { return nil }
                    return s.peerWaiters.remove(at: i).continuation
                }
                c?.resume()
            }
        }
        if let timeout {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await wait() }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
        } else {
            await wait()
        }
        let (present, closed, done) = state.withLock { ($0.members.count, $0.closed, reached($0)) }
        if closed { throw .closed }
        if !done {
            throw .timedOut("\(present) of \(count) peers\(ever ? " admitted" : "") after \(timeout.map { "\($0)" } ?? "waiting")")
        }
    }

    // MARK: Peers coming and going

    /// Runs one connection until it ends: admits it, starts its frames, then records its leave.
    func serve(_ connection: DirectConnection) async {
        let address = connection.remoteAddress.map(Self.describe) ?? "unknown"
        if let filter = options.filter, !filter(address) {
            yield(.refused(address: address, reason: nil))
            try? await connection.channel.close()
            return
        }
        let admitted = state.withLock { s -> UInt64? in
            if s.closed { return nil }
            if let limit = options.limit, s.members.count >= limit { return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let id = admitted else {
            if let limit = options.limit { yield(.refused(address: address, reason: .limitReached(limit: limit))) }
            try? await connection.channel.close()
            return
        }
        let peer = Peer(id: id, address: address)
        let (woken, hook) = state.withLock { s -> ([CheckedContinuation<Void, Never>], (@Sendable (Peer) async -> Void)?) in
            let member = Member(peer: peer, connection: connection)
            s.members[id] = member
            s.order.append(id)
            s.ordered.append(member)
            s.subscribers.yield(.joined(peer))
            s.admitted += 1
            let count = s.members.count, admitted = s.admitted
            let isReady = { (w: (id: UInt64, count: Int, ever: Bool, continuation: CheckedContinuation<Void, Never>)) in
                w.count <= (w.ever ? admitted : count)
            }
            let ready = s.peerWaiters.filter(isReady)
            s.peerWaiters.removeAll(where: isReady)
            return (ready.map(\.continuation), s.joinHook)
        }
        options.onJoin?(peer)
        for c in woken { c.resume() }
        await connection.start(peer)
        if let hook { await hook(peer) }
        let reason = await connection.waitUntilEnded()
        state.withLock { s in
            if s.members.removeValue(forKey: id) != nil {
                s.subscribers.yield(.left(peer, reason: reason))
            }
            s.order.removeAll { $0 == id }
            s.ordered.removeAll { $0.peer.id == id }
        }
        if single {
            if let reason { inbox.append(.failure(reason)) }
            inbox.finish()
        }
    }

    /// Half-closes every connection once what was sent has been written (NIO completes an output
    /// close after the pending writes), so a body that ends right after its last send loses
    /// nothing. Gives up after `timeout` on a peer that does not read.
    func drain(timeout: Duration) async {
        let channels = state.withLock { s in s.members.values.map(\.channel) }
        guard !channels.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskGroup(of: Void.self) { closes in
                    for channel in channels {
                        closes.addTask {
                            let promise = channel.eventLoop.makePromise(of: Void.self)
                            channel.close(mode: .output, promise: promise)
                            try? await promise.futureResult.get()
                        }
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Closes every connection and the listener, and ends receiving and events.
    func shutdown() {
        let (channels, server, waiters, subscribers) = state.withLock { s in
            s.closed = true
            defer { s.peerWaiters = [] }
            return (s.members.values.map(\.channel), s.serverChannel, s.peerWaiters.map(\.continuation), s.subscribers.finish())
        }
        for channel in channels { channel.close(promise: nil) }
        server?.close(promise: nil)
        for waiter in waiters { waiter.resume() }
        inbox.finish()
        for subscriber in subscribers { subscriber.finish() }
    }

    func setServerChannel(_ channel: any Channel) { state.withLock { $0.serverChannel = channel } }

    /// Stops accepting (tsyncp's `channel_on` drops its listener after its one peer); peers stay.
    func closeListener() {
        let server = state.withLock { s -> (any Channel)? in
            defer { s.serverChannel = nil }
            return s.serverChannel
        }
        server?.close(promise: nil)
    }

    static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port {
            return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        }
        return "\(address)"
    }
}

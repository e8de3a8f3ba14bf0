import NIOConcurrencyHelpers
import SyndicateNIO
import NIOCore

/// One peer's TCP connection in direct mode, as the engine uses it from any task.
///
/// Sending: frames queue here and the connection's event loop writes everything queued and
/// flushes once, so a sender that is faster than the socket gets one `writev` for many frames
/// and one event-loop hop per batch rather than per frame. A sender waits only while the
/// socket is not writable (NIO's write-buffer watermarks) or the queue holds ``batchLimit`` bytes.
///
/// Receiving: ``DirectConnectionHandler`` hands each read's frames to the engine's inbox at once.
/// It holds reads until ``start(_:)`` names the peer, so no frame arrives before the engine admits it.
final class DirectConnection: Sendable {
    let channel: any Channel
    /// The peer's address as the connection was set up: NIO forgets a channel's addresses once
    /// it closes, and a peer that sends and hangs up may be closed before the engine admits it.
    let remoteAddress: SocketAddress?
    private let outbox: DirectOutbox
    private let handler: NIOLoopBound<DirectConnectionHandler>
    /// Has the event loop write the queue: built once, so that scheduling it allocates nothing.
    private let scheduleWrite: @Sendable () -> Void
    /// Completes when the connection has closed, with why (nil: the peer closed it cleanly).
    let ended: EventLoopFuture<ChannelError?>

    /// Bytes queued and not yet handed to the channel before a sender waits.
    static let batchLimit = 256 * 1024

    /// Sets up `channel`'s pipeline (on its event loop) for frames of at most `maximumFrameLength`.
    static func configure(_ channel: any Channel, maximumFrameLength: Int, inbox: DirectInbox) throws -> DirectConnection {
        let ended = channel.eventLoop.makePromise(of: ChannelError?.self)
        let outbox = DirectOutbox()
        let handler = DirectConnectionHandler(inbox: inbox, outbox: outbox, ended: ended)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VariedLengthFrameDecoder(maximumFrameLength: maximumFrameLength)))
        try channel.pipeline.syncOperations.addHandler(handler)
        return DirectConnection(
            channel: channel, remoteAddress: channel.remoteAddress, outbox: outbox,
            handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), ended: ended.futureResult)
    }

    private init(
        channel: any Channel, remoteAddress: SocketAddress?, outbox: DirectOutbox,
        handler: NIOLoopBound<DirectConnectionHandler>, ended: EventLoopFuture<ChannelError?>
    ) {
        self.channel = channel
        self.remoteAddress = remoteAddress
        self.outbox = outbox
        self.handler = handler
        self.ended = ended
        scheduleWrite = { handler.value.writeQueued() }
    }

    /// Admits the connection as `peer`: its frames start flowing to the inbox (those read
    /// already, if NIO read up to an EOF before, are handed over before this returns).
    func start(_ peer: Peer) async {
        let handler = self.handler
        try? await channel.eventLoop.submit { handler.value.start(peer) }.get()
    }

    /// Queues `frame` if there is room; `.full` means wait with ``waitForRoom()`` and try again.
    func offer(_ frame: ByteBuffer) -> DirectOutbox.Offer {
        let offer = outbox.offer(frame)
        if case .queuedFirst = offer { channel.eventLoop.execute(scheduleWrite) }
        return offer
    }

    /// Queues `frame`, waiting for room first if need be. Throws once the connection is closed.
    nonisolated(nonsending) func send(_ frame: ByteBuffer, peer: String) async throws(ChannelError) {
        while true {
            switch offer(frame) {
            case .queued, .queuedFirst: return
            case .closed: throw .connection(peer: peer, reason: "connection closed")
            case .full:
                await outbox.waitForRoom()
                if Task.isCancelled { throw .closed }
            }
        }
    }

    /// Waits until this connection has closed, closing it if the waiting task is cancelled.
    func waitUntilEnded() async -> ChannelError? {
        let channel = self.channel
        return await withTaskCancellationHandler {
            (try? await ended.get()) ?? nil
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// The frames waiting to be written to one connection, shared between senders (any task) and
/// the connection's event loop.
final class DirectOutbox: Sendable {
    enum Offer { case queuedFirst, queued, full, closed }

    private struct State {
        var frames: [ByteBuffer] = []
        var bytes = 0
        var scheduled = false
        var writable = true
        var closed = false
        var waiters: [(id: UInt64, continuation: UnsafeContinuation<Void, Never>)] = []
        var nextWaiter: UInt64 = 0
        var hasRoom: Bool { closed || (writable && bytes < DirectConnection.batchLimit) }
    }

    private let state = NIOLockedValueBox(State())

    /// `.queuedFirst` when the caller must have the event loop write the queue.
    func offer(_ frame: ByteBuffer) -> Offer {
        state.withLock { s -> Offer in
            if s.closed { return .closed }
            guard s.hasRoom else { return .full }
            s.frames.append(frame)
            s.bytes += frame.readableBytes
            if s.scheduled { return .queued }
            s.scheduled = true
            return .queuedFirst
        }
    }

    /// Swaps everything queued into `frames` (empty, its capacity kept: the two arrays take turns,
    /// so a steady stream of batches allocates none), to be written now (on the event loop).
    func takeQueued(into frames: inout [ByteBuffer]) {
        let waiters = state.withLock { s -> [UnsafeContinuation<Void, Never>] in
            s.scheduled = false
            s.bytes = 0
            swap(&frames, &s.frames)
            return s.hasRoom && !s.waiters.isEmpty ? Self.takeWaiters(&s) : []
        }
        for waiter in waiters { waiter.resume() }
    }

    func setWritable(_ writable: Bool) {
        let waiters = state.withLock { s -> [UnsafeContinuation<Void, Never>] in
            s.writable = writable
            return s.hasRoom ? Self.takeWaiters(&s) : []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Drops what is queued and lets waiting senders go (they find the connection closed).
    func close() {
        let waiters = state.withLock { s -> [UnsafeContinuation<Void, Never>] in
            s.closed = true
            s.frames = []
            s.bytes = 0
            return Self.takeWaiters(&s)
        }
        for waiter in waiters { waiter.resume() }
    }

    private static func takeWaiters(_ s: inout State) -> [UnsafeContinuation<Void, Never>] {
        defer { s.waiters = [] }
        return s.waiters.map(\.continuation)
    }

    /// Returns once there is room (or the connection closed, or the task is cancelled).
    func waitForRoom() async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.hasRoom || Task.isCancelled { return true }
                    s.waiters.append((id, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> UnsafeContinuation<Void, Never>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }
}

/// The end of a direct connection's pipeline: frames in (batched per read into the inbox, with
/// reads held while the inbox is full or the peer is not admitted yet), queued frames out,
/// writability to the outbox, and the connection's end.
final class DirectConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let inbox: DirectInbox
    private let outbox: DirectOutbox
    private let ended: EventLoopPromise<ChannelError?>
    private var context: ChannelHandlerContext?
    private var peer: Peer?
    /// Frames read and not yet handed over (all of them until the peer is admitted: NIO reads
    /// everything up to an EOF whatever the reads held).
    private var pending: [ByteBuffer] = []
    /// The batch being written (see ``DirectOutbox/takeQueued(into:)``).
    private var writing: [ByteBuffer] = []
    /// Reads are held until the peer is admitted, and while the inbox is full.
    private var paused = true
    private var readHeld = false
    private var failure: ChannelError?
    private var resume: (@Sendable () -> Void)?
    private var reported = false

    init(inbox: DirectInbox, outbox: DirectOutbox, ended: EventLoopPromise<ChannelError?>) {
        self.inbox = inbox
        self.outbox = outbox
        self.ended = ended
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        resume = { loop.execute { me.value.resumeReading() } }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        report()
        self.context = nil
        resume = nil
    }

    private func report() {
        guard !reported else { return }
        reported = true
        handOver()
        outbox.close()
        ended.succeed(failure)
    }

    func start(_ peer: Peer) {
        self.peer = peer
        handOver()
        resumeReading()
    }

    private func resumeReading() {
        paused = false
        if readHeld, let context {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if paused { readHeld = true } else { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending.append(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        handOver()
        context.fireChannelReadComplete()
    }

    private func handOver() {
        guard !pending.isEmpty, let peer else { return }
        defer { Self.empty(&pending) }
        if !inbox.add(pending, from: peer, resume: resume ?? {}) { paused = true }
    }

    /// Empties `frames`, keeping its capacity. One frame (a round trip's usual batch) is popped:
    /// cheaper than `removeAll(keepingCapacity:)`, which goes through `replaceSubrange`.
    private static func empty(_ frames: inout [ByteBuffer]) {
        if frames.count == 1 { frames.removeLast() } else { frames.removeAll(keepingCapacity: true) }
    }

    /// Writes what senders queued, with one flush.
    func writeQueued() {
        guard let context else { return }
        outbox.takeQueued(into: &writing)
        defer { Self.empty(&writing) }
        guard !writing.isEmpty else { return }
        for frame in writing { context.write(wrapOutboundOut(frame), promise: nil) }
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        outbox.setWritable(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil {
            failure = (error as? ChannelError) ?? .connection(peer: peer?.address ?? "unknown", reason: "\(error)")
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        report()
        context.fireChannelInactive()
    }
}

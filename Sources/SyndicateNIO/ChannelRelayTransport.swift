import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Syndicate

/// A ``RelayTransport`` over a NIO channel: a byte stream (TCP, Unix socket, pipes) or a
/// WebSocket, where each packet travels as one binary message.
///
/// The relay's actor calls ``send(_:loan:)`` from its own thread; packets queue here and are
/// written in one batch (one system call) per hop onto the event loop, so a busy session
/// coalesces its output. Each packet's loan stays charged to the account of the work that
/// produced it until the socket accepts its bytes: that is how a slow reader slows down the
/// producers feeding it. Bytes the peer has not accepted count against the connection's limit
/// and the shared ``OutputBudget``; a peer over either, or whose output has not moved for
/// ``RelayLimits/outputStallTimeout``, is cut off with an `<error>`.
final class ChannelRelayTransport: RelayTransport, OutputBudgetMember, @unchecked Sendable {
    enum Framing: Sendable {
        case stream
        case webSocket
    }

    /// How long a closing connection may take to write its last packet before it is dropped.
    /// Generous, since a peer cut off for not reading hears why only once it reads again; the
    /// connection holds nothing of ours meanwhile (its queued output is dropped).
    static let closeGracePeriod: TimeAmount = .seconds(10)

    /// How long a byte-stream connection that has written its last packet goes on reading (and
    /// dropping) what the peer still sends before it closes; see ``finishClosing(_:)``.
    static let lingerPeriod: TimeAmount = .seconds(2)

    private let channel: any Channel
    private let framing: Framing
    private let limits: RelayLimits
    private let logger: Logger

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var resume: (@Sendable () -> Void)?
    private var failureHandler: (@Sendable (RelayError) -> Void)?
    private var queued: [(bytes: [UInt8], loan: Loan?)] = []
    /// Packets before this index in `queued` have been handed to the channel.
    private var queuedStart = 0
    /// Bytes queued here or written to the channel and not yet accepted by the socket.
    private var unacknowledgedBytes = 0
    private var drainScheduled = false
    private var closeRequested = false
    private var finalPacket: [UInt8]?
    /// Set when the peer is cut off: later output is dropped.
    private var discarding = false
    private var closed = false
    /// Set once the last packet is written and the output side shut: input is read and dropped
    /// until the peer closes. Touched only on the event loop.
    private(set) var lingering = false
    /// When output last moved (a write completed) or first became pending.
    private var lastProgress = NIODeadline.now()
    private var stallCheckArmed = false

    init(channel: any Channel, framing: Framing, limits: RelayLimits, logger: Logger,
         resume: @escaping @Sendable () -> Void) {
        self.channel = channel
        self.framing = framing
        self.limits = limits
        self.logger = logger
        self.resume = resume
        limits.outputBudget.register(self)
    }

    /// The channel's event loop, where the session's actor runs.
    var executor: EventLoopExecutor { EventLoopExecutor(channel.eventLoop) }

    var pendingOutputBytes: Int { lock.withLock { unacknowledgedBytes } }

    func setFailureHandler(_ handler: @escaping @Sendable (RelayError) -> Void) {
        lock.withLock { if !closed { failureHandler = handler } }
    }

    func send(_ bytes: [UInt8], loan: Loan?) {
        enum Outcome { case dropped, queued, queuedFirst, overflow }
        let outcome = lock.withLock { () -> Outcome in
            guard !closeRequested, !discarding else { return .dropped }
            queued.append((bytes, loan))
            loan?.account.borrow(loan!.cost)
            if unacknowledgedBytes == 0 { lastProgress = .now() }
            unacknowledgedBytes += bytes.count
            if unacknowledgedBytes > limits.maxPendingOutboundBytes { return .overflow }
            if drainScheduled { return .queued }
            drainScheduled = true
            return .queuedFirst
        }
        if outcome != .dropped { limits.outputBudget.add(bytes.count) }
        switch outcome {
        case .dropped, .queued:
            break
        case .queuedFirst:
            channel.eventLoop.execute { self.drain() }
        case .overflow:
            cutOff(RelayError(.slowConsumer, "peer is not reading: more than \(limits.maxPendingOutboundBytes) bytes queued for it"))
        }
    }

    /// Drops what is queued, and has the session send `error` and close.
    func cutOff(_ error: RelayError) {
        typealias Taken = (dropped: [(bytes: [UInt8], loan: Loan?)], handler: (@Sendable (RelayError) -> Void)?)
        let taken = lock.withLock { () -> Taken? in
            guard !discarding, !closed else { return nil }
            discarding = true
            let dropped = Array(queued[queuedStart...])
            queued = []
            queuedStart = 0
            return (dropped, failureHandler)
        }
        guard let taken else { return }
        release(taken.dropped)
        logger.warning("cutting off a slow consumer", metadata: ["reason": "\(error.message)"])
        if let handler = taken.handler { handler(error) } else { close(finalPacket: nil) }
    }

    func close(finalPacket: [UInt8]?) {
        close(finalPacket: finalPacket, discardingQueued: false)
    }

    func close(finalPacket: [UInt8]?, discardingQueued: Bool) {
        let (schedule, dropped) = lock.withLock { () -> (Bool, [(bytes: [UInt8], loan: Loan?)]) in
            guard !closeRequested else { return (false, []) }
            closeRequested = true
            self.finalPacket = finalPacket
            var dropped: [(bytes: [UInt8], loan: Loan?)] = []
            if discardingQueued {
                dropped = Array(queued[queuedStart...])
                queued = []
                queuedStart = 0
            }
            if drainScheduled { return (false, dropped) }
            drainScheduled = true
            return (true, dropped)
        }
        release(dropped)
        if schedule { channel.eventLoop.execute { self.drain() } }
    }

    func resumeReading() {
        guard let resume = lock.withLock({ resume }) else { return }
        channel.eventLoop.execute { resume() }
    }

    /// The channel is gone: give back what is still charged, and drop the references to the
    /// session (which holds this transport).
    func channelClosed() {
        let dropped = lock.withLock { () -> [(bytes: [UInt8], loan: Loan?)] in
            closed = true
            closeRequested = true
            resume = nil
            failureHandler = nil
            let dropped = Array(queued[queuedStart...])
            queued = []
            queuedStart = 0
            return dropped
        }
        release(dropped)
        limits.outputBudget.unregister(self)
    }

    private func release(_ dropped: [(bytes: [UInt8], loan: Loan?)]) {
        var count = 0
        for (bytes, loan) in dropped {
            count += bytes.count
            if let loan { loan.account.repay(loan.cost) }
        }
        guard count > 0 else { return }
        lock.withLock { unacknowledgedBytes -= count }
        limits.outputBudget.remove(count)
    }

    /// Hands queued output to the channel while it is writable, in chunks; runs on the event
    /// loop. What the channel does not take yet stays here (where it can be dropped if the
    /// peer is cut off) until ``writabilityChanged()``. Closing waits for the queue to empty.
    private func drain() {
        lock.withLock { drainScheduled = false }
        var wrote = false
        while channel.isWritable, let chunk = lock.withLock({ takeChunk() }) {
            writeChunk(chunk.items, count: chunk.count)
            wrote = true
        }
        if wrote { channel.flush() }
        let (closing, final) = lock.withLock { () -> (Bool, [UInt8]?) in
            guard closeRequested, !closed, queuedStart == queued.count else { return (false, nil) }
            closed = true
            defer { finalPacket = nil }
            return (true, finalPacket)
        }
        if closing {
            finishClosing(final)
        } else {
            armStallCheck()
        }
    }

    /// The channel can take more (or no longer can): go on writing.
    func writabilityChanged() {
        if channel.isWritable { drain() }
    }

    /// The kernel's send buffer on accepted connections (`SO_SNDBUF`, which Linux doubles).
    /// Fixed rather than autotuned: on loopback autotuning grows it to megabytes per
    /// connection, memory outside ``OutputBudget``'s accounting, and bytes the kernel holds can
    /// neither be dropped when a slow peer is cut off nor overtaken by a goodbye at shutdown.
    static let kernelSendBufferBytes = 128 << 10

    /// Output is written in chunks of about this size, each acknowledged on its own, so a
    /// slow but steady reader shows progress (and repays its producers) as it goes.
    static let writeChunkSize = 256 << 10

    /// Removes the next chunk from the queue (at least one packet); `nil` when it is empty.
    private func takeChunk() -> (items: ArraySlice<(bytes: [UInt8], loan: Loan?)>, count: Int)? {
        guard queuedStart < queued.count else { return nil }
        var end = queuedStart
        var count = 0
        while end < queued.count && (end == queuedStart || count + queued[end].bytes.count <= Self.writeChunkSize) {
            count += queued[end].bytes.count
            end += 1
        }
        let items = queued[queuedStart..<end]
        queuedStart = end
        if queuedStart == queued.count {
            queued.removeAll(keepingCapacity: queued.count < 4096)
            queuedStart = 0
        } else if queuedStart >= 4096 && queuedStart * 2 >= queued.count {
            queued.removeFirst(queuedStart)
            queuedStart = 0
        }
        return (items, count)
    }

    private func writeChunk(_ chunk: ArraySlice<(bytes: [UInt8], loan: Loan?)>, count: Int) {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let loans = chunk.compactMap(\.loan)
        promise.futureResult.whenComplete { _ in
            self.lock.withLock {
                self.unacknowledgedBytes -= count
                self.lastProgress = .now()
            }
            self.limits.outputBudget.remove(count)
            for loan in loans { loan.account.repay(loan.cost) }
        }
        switch framing {
        case .stream:
            var buffer = channel.allocator.buffer(capacity: count)
            for (bytes, _) in chunk { buffer.writeBytes(bytes) }
            channel.write(buffer, promise: promise)
        case .webSocket:
            let last = chunk.endIndex - 1
            for i in chunk.indices {
                let frame = WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: chunk[i].bytes))
                channel.write(frame, promise: i == last ? promise : nil)
            }
        }
    }

    /// Writes the last packet (if any) after what is pending, then closes; a peer that does
    /// not take it within the grace period is dropped anyway.
    ///
    /// A byte stream closes in two steps. Closing a socket whose peer has sent bytes not yet
    /// read makes the kernel answer with a reset, and a reset makes the peer's kernel discard
    /// what it has received but not delivered: the goodbye would be lost exactly when the peer
    /// was still sending (a packet over the size limit, say). So the output side is shut once
    /// the last packet is written (the peer reads it, then end of stream), and the input is
    /// read and dropped until the peer closes too or ``lingerPeriod`` is over.
    private func finishClosing(_ final: [UInt8]?) {
        let channel = self.channel
        let done = channel.eventLoop.makePromise(of: Void.self)
        switch framing {
        case .stream:
            if let final {
                channel.writeAndFlush(channel.allocator.buffer(bytes: final), promise: done)
            } else {
                channel.writeAndFlush(channel.allocator.buffer(capacity: 0), promise: done)
            }
            let timeout = channel.eventLoop.scheduleTask(in: Self.closeGracePeriod) { channel.close(promise: nil) }
            done.futureResult.whenComplete { result in
                timeout.cancel()
                guard case .success = result else { return channel.close(promise: nil) }
                self.linger()
            }
            return
        case .webSocket:
            if let final {
                channel.write(WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: final)), promise: nil)
            }
            var data = channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: .normalClosure)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: done)
        }
        let timeout = channel.eventLoop.scheduleTask(in: Self.closeGracePeriod) { channel.close(promise: nil) }
        done.futureResult.whenComplete { _ in
            timeout.cancel()
            channel.close(promise: nil)
        }
    }

    /// Shuts the output side and drops input until the peer closes or ``lingerPeriod`` is over.
    private func linger() {
        let channel = self.channel
        lingering = true
        channel.close(mode: .output).whenComplete { result in
            guard case .success = result else { return channel.close(promise: nil) }
            // Reading may have been paused for debt; what arrives now is only dropped.
            channel.setOption(.autoRead, value: true).whenComplete { _ in channel.read() }
            let deadline = channel.eventLoop.scheduleTask(in: Self.lingerPeriod) { channel.close(promise: nil) }
            channel.closeFuture.whenComplete { _ in deadline.cancel() }
        }
    }

    /// Checks, while output is pending, that some of it is accepted within the stall timeout.
    /// Runs on the event loop.
    private func armStallCheck() {
        let due = lock.withLock { () -> NIODeadline? in
            guard !stallCheckArmed, !closed, unacknowledgedBytes > 0 else { return nil }
            stallCheckArmed = true
            return lastProgress + stallTimeout
        }
        if let due { channel.eventLoop.scheduleTask(deadline: due) { self.checkStall() } }
    }

    private func checkStall() {
        enum Verdict { case fine, stalled, later(NIODeadline) }
        let verdict = lock.withLock { () -> Verdict in
            guard !closed, unacknowledgedBytes > 0 else {
                stallCheckArmed = false
                return .fine
            }
            let due = lastProgress + stallTimeout
            if NIODeadline.now() >= due {
                stallCheckArmed = false
                return .stalled
            }
            return .later(due)
        }
        switch verdict {
        case .fine:
            break
        case .stalled:
            cutOff(RelayError(.slowConsumer, "peer is not reading: no output accepted for \(limits.outputStallTimeout)"))
        case .later(let due):
            channel.eventLoop.scheduleTask(deadline: due) { self.checkStall() }
        }
    }

    private var stallTimeout: TimeAmount {
        let (seconds, attoseconds) = limits.outputStallTimeout.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

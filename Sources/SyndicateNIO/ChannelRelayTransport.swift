import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Syndicate

/// A ``RelayTransport`` over a NIO channel: a byte stream (TCP, Unix socket, pipes) or a
/// WebSocket, where each packet travels as one binary message.
///
/// The relay's actor calls ``send(_:)`` from its own thread; packets queue here and are
/// written in one batch (one system call) per hop onto the event loop, so a busy session
/// coalesces its output. Bytes the peer has not yet accepted are counted, and a peer that
/// falls more than ``RelayLimits/maxPendingOutboundBytes`` behind is disconnected rather than
/// allowed to grow the server's memory without bound.
final class ChannelRelayTransport: RelayTransport, @unchecked Sendable {
    enum Framing: Sendable {
        case stream
        case webSocket
    }

    private let channel: any Channel
    private let framing: Framing
    private let limits: RelayLimits
    private let logger: Logger
    private let resume: @Sendable () -> Void

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var queued: [[UInt8]] = []
    /// Bytes queued here or written to the channel and not yet accepted by the socket.
    private var unacknowledgedBytes = 0
    private var drainScheduled = false
    private var closeRequested = false
    private var closed = false

    init(channel: any Channel, framing: Framing, limits: RelayLimits, logger: Logger,
         resume: @escaping @Sendable () -> Void) {
        self.channel = channel
        self.framing = framing
        self.limits = limits
        self.logger = logger
        self.resume = resume
    }

    /// The channel's event loop, where the session's actor runs.
    var executor: EventLoopExecutor { EventLoopExecutor(channel.eventLoop) }

    func send(_ bytes: [UInt8]) {
        let (schedule, overflow) = lock.withLock { () -> (Bool, Bool) in
            guard !closeRequested else { return (false, false) }
            queued.append(bytes)
            unacknowledgedBytes += bytes.count
            if unacknowledgedBytes > limits.maxPendingOutboundBytes {
                closeRequested = true
                queued = []
                return (false, true)
            }
            if drainScheduled { return (false, false) }
            drainScheduled = true
            return (true, false)
        }
        if overflow {
            logger.warning("peer is not reading; closing its session",
                           metadata: ["pendingBytes": "\(limits.maxPendingOutboundBytes)"])
            channel.close(promise: nil)
        } else if schedule {
            channel.eventLoop.execute { self.drain() }
        }
    }

    func close() {
        let schedule = lock.withLock { () -> Bool in
            guard !closeRequested else { return false }
            closeRequested = true
            if drainScheduled { return false }
            drainScheduled = true
            return true
        }
        if schedule { channel.eventLoop.execute { self.drain() } }
    }

    func resumeReading() {
        channel.eventLoop.execute { self.resume() }
    }

    /// Writes everything queued; runs on the event loop.
    private func drain() {
        let (batch, shouldClose) = lock.withLock { () -> ([[UInt8]], Bool) in
            drainScheduled = false
            let batch = queued
            queued = []
            let shouldClose = closeRequested && !closed
            if shouldClose { closed = true }
            return (batch, shouldClose)
        }
        if !batch.isEmpty {
            let count = batch.reduce(0) { $0 + $1.count }
            let promise = channel.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in
                self.lock.withLock { self.unacknowledgedBytes -= count }
            }
            switch framing {
            case .stream:
                var buffer = channel.allocator.buffer(capacity: count)
                for bytes in batch { buffer.writeBytes(bytes) }
                channel.writeAndFlush(buffer, promise: promise)
            case .webSocket:
                for (i, bytes) in batch.enumerated() {
                    let frame = WebSocketFrame(fin: true, opcode: .binary, data: channel.allocator.buffer(bytes: bytes))
                    channel.write(frame, promise: i == batch.count - 1 ? promise : nil)
                }
                channel.flush()
            }
        }
        if shouldClose {
            switch framing {
            case .stream:
                channel.close(promise: nil)
            case .webSocket:
                var data = channel.allocator.buffer(capacity: 2)
                data.write(webSocketErrorCode: .normalClosure)
                channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
                    .whenComplete { _ in self.channel.close(promise: nil) }
            }
        }
    }
}

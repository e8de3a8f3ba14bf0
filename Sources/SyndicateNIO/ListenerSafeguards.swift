#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix

/// Closes a connection that has not started its session within the handshake timeout (its
/// first complete packet, or its WebSocket upgrade). It sits first in an accepted channel's
/// pipeline; the handler that sees the session start removes it
/// (``ChannelPipeline/SynchronousOperations/sessionStarted()``), and with it the timer: an
/// established session may stay quiet indefinitely.
final class HandshakeTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func startTimer(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let channel = context.channel
        let logger = self.logger
        let timeout = self.timeout
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.debug("closing a connection that did not start a session in time", metadata: [
                "peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")",
                "timeout": "\(timeout)",
            ])
            channel.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The connection has started its session: it is no longer subject to the handshake timeout.
    func sessionStarted() {
        if let context = try? self.context(handlerType: HandshakeTimeoutHandler.self) {
            removeHandler(context: context, promise: nil)
        }
    }
}

/// What a listener does when `accept` fails for want of file descriptors (`EMFILE`, `ENFILE`)
/// or kernel memory (`ENOBUFS`, `ENOMEM`). NIO keeps the listening socket registered and
/// retries at once, so without this the event loop spins a core while every new client waits
/// (its `AcceptBackoffHandler` is never asked to delay: after a failed accept no new `read` is
/// issued). This stops reading from the listening socket (`autoRead` off) for a pause, 50 ms
/// after an isolated failure and doubling to 1 s while failures go on, and logs a warning at
/// most every 10 s with the count of failures since the last one. Connections that arrive
/// meanwhile wait in the listen backlog and are accepted once descriptors free up.
///
/// Other accept errors close the listener (NIO's choice); they are logged.
final class AcceptFailureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let logger: Logger
    private let endpoint: String
    private var pause: TimeAmount = .zero
    private var lastFailure: NIODeadline?
    private var lastWarning: NIODeadline?
    private var failuresSinceWarning = 0
    private var resumeTask: Scheduled<Void>?

    static let initialPause = TimeAmount.milliseconds(50)
    static let maxPause = TimeAmount.seconds(1)
    static let warningInterval = TimeAmount.seconds(10)

    init(logger: Logger, endpoint: String) {
        self.logger = logger
        self.endpoint = endpoint
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError else { return context.fireErrorCaught(error) }
        switch ioError.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            pauseAccepting(context, ioError)
        case ECONNABORTED:
            // One client gave up before it was accepted; the next accept goes on.
            logger.debug("a connection was aborted before it was accepted", metadata: ["endpoint": "\(endpoint)"])
        default:
            logger.error("the listener failed", metadata: ["endpoint": "\(endpoint)", "error": "\(ioError)"])
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumeTask?.cancel()
        resumeTask = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resumeTask?.cancel()
        resumeTask = nil
    }

    private func pauseAccepting(_ context: ChannelHandlerContext, _ error: IOError) {
        let now = NIODeadline.now()
        // Failures in a row (each retry fails again) lengthen the pause; after a quiet spell it starts small.
        if let lastFailure, now - lastFailure <= pause + .seconds(1) {
            pause = min(pause * 2, Self.maxPause)
        } else {
            pause = Self.initialPause
        }
        lastFailure = now
        failuresSinceWarning += 1
        if lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true {
            logger.warning("cannot accept connections; pausing accept", metadata: [
                "endpoint": "\(endpoint)",
                "error": "\(error)",
                "failures": "\(failuresSinceWarning)",
                "pause": "\(pause)",
            ])
            lastWarning = now
            failuresSinceWarning = 0
        }
        guard resumeTask == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        resumeTask = context.eventLoop.assumeIsolated().scheduleTask(in: pause) {
            self.resumeTask = nil
            try? options.setOption(.autoRead, value: true)
        }
    }
}

extension ServerBootstrap {
    /// TCP keep-alive on accepted connections: probes after `idle` of silence, then every
    /// 10 s (at most `idle`); a peer that misses 6 probes is disconnected.
    func childKeepAlive(idle: Duration) -> ServerBootstrap {
        let idleSeconds = Int(clamping: max(1, min(idle.components.seconds, 86_400)))
        var bootstrap = childChannelOption(.socketOption(.so_keepalive), value: 1)
        #if canImport(Darwin)
        let idleOption = TCP_KEEPALIVE
        #else
        let idleOption = TCP_KEEPIDLE
        #endif
        bootstrap = bootstrap
            .childChannelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: idleOption)), value: idleSeconds)
            .childChannelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPINTVL)), value: min(10, idleSeconds))
            .childChannelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPCNT)), value: 6)
        return bootstrap
    }
}

import Logging
import NIOCore
import Syndicate

/// Runs a relay session over a byte-stream channel (TCP, Unix socket, stdio pipes): frames the
/// incoming bytes into packets, hands them to the session, and pauses reading while the
/// session is behind.
///
/// The handler holds the session, whose transport outlives the pipeline (the session's actor
/// keeps it until the actor has stopped); the transport reaches back to the handler, to resume
/// reading, only through a ``ResumeTarget`` that the handler empties when it is removed, so a
/// closed connection leaves no cycle behind.
final class RelayStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limits: RelayLimits
    private let logger: Logger
    private let startSession: (ChannelRelayTransport) -> RelaySession
    private var session: RelaySession?
    private var transport: ChannelRelayTransport?
    private var framer: PacketFramer
    private var paused = false
    private var readPending = false
    private var failed = false
    private var started = false
    private let resumeTarget = ResumeTarget()

    /// What the transport's `resume` reaches: this handler and its context while it is in the
    /// pipeline, nothing after. Confined to the channel's event loop.
    final class ResumeTarget {
        var handler: RelayStreamHandler?
        var context: ChannelHandlerContext?
    }

    /// `startSession` is called once the channel is active, with the transport to use.
    init(limits: RelayLimits, logger: Logger, startSession: @escaping (ChannelRelayTransport) -> RelaySession) {
        self.limits = limits
        self.logger = logger
        self.startSession = startSession
        self.framer = PacketFramer(limits: limits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resumeTarget.handler = nil
        resumeTarget.context = nil
        session = nil
    }

    private func start(_ context: ChannelHandlerContext) {
        guard session == nil else { return }
        resumeTarget.handler = self
        resumeTarget.context = context
        let target = NIOLoopBound(resumeTarget, eventLoop: context.eventLoop)
        let transport = ChannelRelayTransport(
            channel: context.channel, framing: .stream, limits: limits, logger: logger,
            resume: {
                let target = target.value
                if let handler = target.handler, let context = target.context { handler.resume(context) }
            })
        self.transport = transport
        session = startSession(transport)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After the session has failed, or while the closing transport lingers, input is dropped.
        guard !failed, let session, transport?.lingering != true else { return }
        let buffer = unwrapInboundIn(data)
        framer.append(buffer.readableBytesView)
        do throws(RelayError) {
            var buffered = framer.bufferedByteCount
            while let packet = try framer.next() {
                let size = buffered - framer.bufferedByteCount
                buffered = framer.bufferedByteCount
                if !started {
                    started = true
                    context.pipeline.syncOperations.sessionStarted()
                }
                // Handed over, not shared: the relay moves the events out of the only reference.
                if !session.deliver(consume packet, syntax: framer.lastSyntax ?? .binary, size: size,
                                    holdsEmbedded: framer.lastPacketMayHoldEmbedded) { paused = true }
            }
        } catch {
            failed = true
            session.fail(error)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        transport?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.transportClosed()
        transport?.channelClosed()
        session = nil
        transport = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if paused && transport?.lingering != true {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resume(_ context: ChannelHandlerContext) {
        guard paused else { return }
        paused = false
        if readPending {
            readPending = false
            context.read()
        }
    }
}

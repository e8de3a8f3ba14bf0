import Logging
import NIOCore
import Syndicate

/// Runs a relay session over a byte-stream channel (TCP, Unix socket, stdio pipes): frames the
/// incoming bytes into packets, hands them to the session, and pauses reading while the
/// session is behind.
final class RelayStreamHandler: ChannelDuplexHandler {
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

    private func start(_ context: ChannelHandlerContext) {
        guard session == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let transport = ChannelRelayTransport(
            channel: context.channel, framing: .stream, limits: limits, logger: logger,
            resume: { let (handler, context) = loopBound.value; handler.resume(context) })
        self.transport = transport
        session = startSession(transport)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed, let session else { return }
        let buffer = unwrapInboundIn(data)
        framer.append(buffer.readableBytesView)
        do throws(RelayError) {
            var buffered = framer.bufferedByteCount
            while let packet = try framer.next() {
                let size = buffered - framer.bufferedByteCount
                buffered = framer.bufferedByteCount
                if !session.deliver(packet, syntax: framer.lastSyntax ?? .binary, size: size) { paused = true }
            }
        } catch {
            failed = true
            session.fail(error)
        }
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
        if paused {
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

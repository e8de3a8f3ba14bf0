import Logging
import NIOCore
import NIOWebSocket
import Syndicate

/// Runs a relay session over a WebSocket: each binary message carries exactly one packet.
/// Text messages break the protocol; pings are answered; a close frame ends the session.
final class WebSocketRelayHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let limits: RelayLimits
    private let logger: Logger
    private let startSession: (ChannelRelayTransport) -> RelaySession
    private var session: RelaySession?
    private var transport: ChannelRelayTransport?
    private var failed = false

    init(limits: RelayLimits, logger: Logger, startSession: @escaping (ChannelRelayTransport) -> RelaySession) {
        self.limits = limits
        self.logger = logger
        self.startSession = startSession
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let transport = ChannelRelayTransport(
            channel: context.channel, framing: .webSocket, limits: limits, logger: logger, resume: {})
        self.transport = transport
        session = startSession(transport)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed, let session else { return }
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            var framer = PacketFramer(limits: limits)
            let data = frame.unmaskedData
            framer.append(data.readableBytesView)
            do throws(RelayError) {
                guard let packet = try framer.next(), framer.bufferedByteCount == 0 else {
                    throw RelayError(.protocolViolation, "a WebSocket message must hold exactly one packet")
                }
                session.deliver(packet, syntax: .binary, size: data.readableBytes)
            } catch {
                failed = true
                session.fail(error)
            }
        case .text:
            failed = true
            session.fail(RelayError(.protocolViolation, "text WebSocket messages are not part of the protocol"))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
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
        logger.debug("WebSocket error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The handlers of an upgraded WebSocket carrying a relay session: fragments are joined
    /// into messages (bounded by the packet limit), clients mask what they send, and each
    /// message is one packet.
    func addWebSocketRelayHandlers(
        limits: RelayLimits, logger: Logger, isClient: Bool,
        startSession: @escaping (ChannelRelayTransport) -> RelaySession
    ) throws {
        try addHandler(NIOWebSocketFrameAggregator(
            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
            maxAccumulatedFrameSize: limits.maxPacketSize))
        if isClient { try addHandler(WebSocketMaskingHandler()) }
        try addHandler(WebSocketRelayHandler(limits: limits, logger: logger, startSession: startSession))
    }
}

/// Clients must mask every WebSocket frame they send (RFC 6455 §5.3).
final class WebSocketMaskingHandler: ChannelOutboundHandler {
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var frame = unwrapOutboundIn(data)
        if frame.maskKey == nil { frame.maskKey = .random() }
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}

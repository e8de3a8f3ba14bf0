import Logging
import NIOCore
import NIOWebSocket
import Syndicate

/// Runs a relay session over a WebSocket: each binary message carries exactly one packet.
/// Text messages break the protocol. Control frames are handled before they get here
/// (``WebSocketProtocolHandler``).
///
/// Reading pauses while the session is behind or its peer's account is in debt (see
/// ``Syndicate/Account``), as for byte streams: the transport resumes it through a box the
/// handler empties when it leaves the pipeline, so a closed connection leaves no cycle.
final class WebSocketRelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What the transport's `resume` reaches while the handler is in the pipeline.
    /// Confined to the channel's event loop.
    final class ResumeTarget {
        var handler: WebSocketRelayHandler?
        var context: ChannelHandlerContext?
    }

    private let limits: RelayLimits
    private let logger: Logger
    private let isClient: Bool
    private let startSession: (ChannelRelayTransport) -> RelaySession
    private var session: RelaySession?
    private var transport: ChannelRelayTransport?
    private var failed = false
    private var paused = false
    private var readPending = false
    private let resumeTarget = ResumeTarget()

    init(limits: RelayLimits, logger: Logger, isClient: Bool, startSession: @escaping (ChannelRelayTransport) -> RelaySession) {
        self.limits = limits
        self.logger = logger
        self.isClient = isClient
        self.startSession = startSession
    }

    func handlerAdded(context: ChannelHandlerContext) {
        resumeTarget.handler = self
        resumeTarget.context = context
        let target = NIOLoopBound(resumeTarget, eventLoop: context.eventLoop)
        let transport = ChannelRelayTransport(
            channel: context.channel, framing: .webSocket, limits: limits, logger: logger,
            resume: {
                let target = target.value
                if let handler = target.handler, let context = target.context { handler.resume(context) }
            })
        self.transport = transport
        session = startSession(transport)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resumeTarget.handler = nil
        resumeTarget.context = nil
        session = nil
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
                if !session.deliver(consume packet, syntax: .binary, size: data.readableBytes) { paused = true }
            } catch {
                failed = true
                session.fail(error)
            }
        case .text:
            failed = true
            session.fail(RelayError(.protocolViolation, "text WebSocket messages are not part of the protocol"))
        default:
            break
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
        logger.debug("WebSocket error", metadata: ["error": "\(error)"])
        if let code = WebSocketProtocolHandler.closeCode(for: error) {
            // Broken fragmentation (from the frame aggregator): fail the connection (RFC 6455 §7.1.7).
            // The close frame passes WebSocketProtocolHandler, which sends at most one.
            WebSocketProtocolHandler.writeCloseThenClose(context, code: code, masked: isClient)
        } else {
            context.close(promise: nil)
        }
    }
}

/// The rules of RFC 6455 that NIO's frame decoder leaves to the application, on one side of an
/// upgraded connection, before fragments are joined:
///
/// - a frame with an RSV bit set (no extension is ever negotiated), with a reserved opcode, or
///   masked the wrong way (clients must mask every frame, servers none, §5.1) fails the
///   connection with close code 1002, as do the decoder's own errors (fragmented or overlong
///   control frames; a frame over the size limit gets 1009);
/// - pings are answered with pongs; pongs are dropped;
/// - a close frame is answered with a close frame echoing its status code (§5.5.1), unless we
///   sent ours first, and the connection is then closed; a malformed close frame (a one-byte
///   body, a code that may not be sent, a reason that is not UTF-8) fails the connection;
/// - at most one close frame is sent, and nothing after it.
final class WebSocketProtocolHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let isServer: Bool
    private let logger: Logger
    private var closeSent = false
    private var closing = false

    init(isServer: Bool, logger: Logger) {
        self.isServer = isServer
        self.logger = logger
    }

    static let knownOpcodes: Set<WebSocketOpcode> = [.continuation, .text, .binary, .connectionClose, .ping, .pong]

    /// How long a failed connection waits for its close frame to be written before closing anyway.
    static let closeGracePeriod = TimeAmount.seconds(2)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let frame = unwrapInboundIn(data)
        if frame.rsv1 || frame.rsv2 || frame.rsv3 {
            return fail(context, "a frame with reserved bits set")
        }
        guard Self.knownOpcodes.contains(frame.opcode) else {
            return fail(context, "a frame with reserved opcode \(frame.opcode)")
        }
        if isServer && frame.maskKey == nil { return fail(context, "an unmasked frame from a client") }
        if !isServer && frame.maskKey != nil { return fail(context, "a masked frame from a server") }
        switch frame.opcode {
        case .ping:
            guard !closeSent else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: mask, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            answerClose(context, frame)
        default:
            // After our close frame, the peer's data no longer matters (§5.5.1).
            guard !closeSent else { return }
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        if closeSent {
            // Nothing may follow a close frame; a second close is already done.
            if frame.opcode == .connectionClose { promise?.succeed() } else { promise?.fail(ChannelError.ioOnClosedChannel) }
            return
        }
        if frame.opcode == .connectionClose { closeSent = true }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let code = Self.closeCode(for: error) else { return context.fireErrorCaught(error) }
        logger.debug("WebSocket protocol error", metadata: ["error": "\(error)"])
        sendClose(context, code: code)
    }

    private var mask: WebSocketMaskingKey? { isServer ? nil : .random() }

    private func fail(_ context: ChannelHandlerContext, _ problem: String, code: WebSocketErrorCode = .protocolError) {
        logger.debug("failing the WebSocket connection", metadata: ["reason": "\(problem)"])
        sendClose(context, code: code)
    }

    /// Sends our close frame (unless we already have), then closes the connection.
    private func sendClose(_ context: ChannelHandlerContext, code: WebSocketErrorCode) {
        closing = true
        guard !closeSent else { return context.channel.close(promise: nil) }
        // Written from this handler's context, the frame does not pass our own `write`.
        closeSent = true
        Self.writeCloseThenClose(context, code: code, masked: !isServer)
    }

    private func answerClose(_ context: ChannelHandlerContext, _ frame: WebSocketFrame) {
        var body = frame.unmaskedData
        var code = 1000
        if body.readableBytes == 1 { return fail(context, "a close frame with a one-byte body") }
        if let received = body.readInteger(as: UInt16.self) {
            guard Self.maySend(closeCode: Int(received)) else {
                return fail(context, "a close frame with code \(received), which may not be sent")
            }
            guard String(validating: body.readableBytesView, as: UTF8.self) != nil else {
                return fail(context, "a close frame whose reason is not UTF-8", code: .dataInconsistentWithMessage)
            }
            code = Int(received)
        }
        // If our close frame went first, this is the answer and the handshake is done.
        sendClose(context, code: WebSocketErrorCode(codeNumber: code))
    }

    /// Whether a peer may send `code` in a close frame (RFC 6455 §7.4).
    static func maySend(closeCode code: Int) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    /// The close code for an error raised below or above this handler, or `nil` if it is not a
    /// WebSocket protocol error.
    static func closeCode(for error: any Error) -> WebSocketErrorCode? {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            return .messageTooLarge
        case is NIOWebSocketError:
            return .protocolError
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge,
             NIOWebSocketFrameAggregator.Error.tooManyFragments:
            return .messageTooLarge
        case is NIOWebSocketFrameAggregator.Error:
            return .protocolError
        default:
            return nil
        }
    }

    /// Sends a close frame with `code`, then closes the connection, once it is written or
    /// after ``closeGracePeriod`` at the latest (a peer that does not read cannot hold the
    /// connection open).
    static func writeCloseThenClose(_ context: ChannelHandlerContext, code: WebSocketErrorCode, masked: Bool) {
        let channel = context.channel
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masked ? .random() : nil, data: data)
        let fallback = channel.eventLoop.scheduleTask(in: closeGracePeriod) { channel.close(promise: nil) }
        context.writeAndFlush(NIOAny(frame)).whenComplete { _ in
            fallback.cancel()
            channel.close(promise: nil)
        }
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The handlers of an upgraded WebSocket carrying a relay session: the RFC 6455 rules the
    /// decoder leaves out, fragments joined into messages (bounded by the packet limit), clients
    /// masking what they send, and each message one packet.
    func addWebSocketRelayHandlers(
        limits: RelayLimits, logger: Logger, isClient: Bool,
        startSession: @escaping (ChannelRelayTransport) -> RelaySession
    ) throws {
        if isClient { try addHandler(WebSocketMaskingHandler()) }
        try addHandler(WebSocketProtocolHandler(isServer: !isClient, logger: logger))
        try addHandler(NIOWebSocketFrameAggregator(
            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
            maxAccumulatedFrameSize: limits.maxPacketSize))
        try addHandler(WebSocketRelayHandler(limits: limits, logger: logger, isClient: isClient, startSession: startSession))
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

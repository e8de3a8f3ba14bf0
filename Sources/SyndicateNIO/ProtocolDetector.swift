import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Syndicate

/// Decides from the first byte of a TCP connection what it carries, as upstream servers do:
/// `[`, `<` or a byte of `0x80` and above (and, beyond upstream, whitespace, `#` and `@`, which
/// text packets may start with) begin a Syndicate session on the raw socket; anything else is
/// taken for HTTP, where a WebSocket upgrade (on any path) starts a
/// session with one packet per binary message, and other requests go to the listener's httpd
/// dataspace (see ``HTTPDataspaceHandler``) or, without one, get `404`. A request that
/// is not HTTP gets `400`; either way the connection is then closed.
final class ProtocolDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let limits: RelayLimits
    private let logger: Logger
    private let startSession: @Sendable (ChannelRelayTransport) -> RelaySession
    private let httpd: HTTPDataspace?

    init(limits: RelayLimits, logger: Logger, httpd: HTTPDataspace? = nil, startSession: @escaping @Sendable (ChannelRelayTransport) -> RelaySession) {
        self.limits = limits
        self.logger = logger
        self.httpd = httpd
        self.startSession = startSession
    }

    static func isRawSyndicate(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "<")
            || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "@")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        do {
            let pipeline = context.pipeline.syncOperations
            if Self.isRawSyndicate(first) {
                try pipeline.addHandler(
                    RelayStreamHandler(limits: limits, logger: logger, startSession: startSession),
                    position: .after(self))
            } else {
                try configureHTTP(pipeline)
            }
            context.fireChannelRead(data)
            pipeline.removeHandler(context: context, promise: nil)
        } catch {
            logger.warning("could not set up the connection", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    private func configureHTTP(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        let limits = self.limits
        let logger = self.logger
        let startSession = self.startSession
        // Protocol errors are answered by WebSocketProtocolHandler (which also enforces what the
        // decoder does not), so NIO's own error handler is left out.
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: min(limits.maxPacketSize, Int(UInt32.max)),
            automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addWebSocketRelayHandlers(
                        limits: limits, logger: logger, isClient: false, startSession: startSession)
                }
            })
        try pipeline.configureHTTPServerPipeline(
            position: .after(self),
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                let pipeline = context.pipeline.syncOperations
                _ = pipeline.removeHandler(name: "syndicate.http-fallback")
                pipeline.sessionStarted()
            }))
        if let httpd {
            try pipeline.addHandler(
                HTTPDataspaceHandler(httpd: httpd.dataspace, port: httpd.port, sequence: httpd.sequence, maxBodySize: limits.maxPacketSize, logger: logger),
                name: "syndicate.http-fallback")
        } else {
            try pipeline.addHandler(NotFoundResponder(), name: "syndicate.http-fallback")
        }
    }
}

/// Where a listener serves plain HTTP: the httpd dataspace requests are asserted into, and the
/// port they name.
struct HTTPDataspace: Sendable {
    let dataspace: Ref
    let port: Int
    let sequence: HTTPRequestCounter
}

/// Answers plain HTTP requests (those that do not upgrade to a WebSocket) with `404`.
final class NotFoundResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let body = "This is a Syndicate relay: connect with the Syndicate protocol or a WebSocket.\n"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .notFound, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// A request that could not be parsed has been answered `400` (by NIO's
    /// `HTTPServerProtocolErrorHandler`, earlier in the pipeline); nothing more can be read from
    /// the connection, so close it. A refused WebSocket upgrade (a missing key, an unsupported
    /// version) is not fatal: the request then comes here and gets `404`.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketUpgradeError { return }
        context.close(promise: nil)
    }
}

import Foundation
import Synchronization
import Logging
import NIOCore
import NIOHTTP1
import Preserves
import Syndicate
import SyndicateProtocols

/// Serves plain HTTP requests (those that do not upgrade to a WebSocket) through a dataspace,
/// as upstream syndicate-server's httpd does (http.prs): each request is asserted into `httpd`
/// as `<request <http-request …> #:res>`, and the messages sent to `res` — `<status …>`,
/// `<header …>`, `<chunk …>`, `<done …>` — make the response. Requests on one connection are
/// served one at a time; the assertion is withdrawn when the response is done or the
/// connection closes. A request nobody answers within `responseTimeout` gets `504`.
final class HTTPDataspaceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let httpd: Ref
    private let port: Int
    private let sequence: HTTPRequestCounter
    private let maxBodySize: Int
    private let responseTimeout: TimeAmount
    private let logger: Logger

    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// The actor holding the current request's assertion and its `res` entity.
    private var exchange: SyndicateActor?
    private var response = HTTPResponseWriter()
    private var timeout: Scheduled<Void>?

    init(httpd: Ref, port: Int, sequence: HTTPRequestCounter, maxBodySize: Int, responseTimeout: TimeAmount = .seconds(30), logger: Logger) {
        self.httpd = httpd
        self.port = port
        self.sequence = sequence
        self.maxBodySize = maxBodySize
        self.responseTimeout = responseTimeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge = false
            context.pipeline.syncOperations.sessionStarted()
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > maxBodySize {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                respondAndClose(context, status: .payloadTooLarge, "request body too large\n")
                return
            }
            start(context, head: head, body: body.map { Array($0.readableBytesView) })
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finishExchange()
        context.fireChannelInactive()
    }

    /// Asserts the request and waits for the response messages.
    private func start(_ context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]?) {
        // Reading waits until this response is written (one request at a time).
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let request = Self.request(head, body: body, port: port, sequenceNumber: sequence.next())
        response = HTTPResponseWriter(keepAlive: head.isKeepAlive, version: head.version)
        let loop = context.eventLoop
        let forward = NIOLoopBound(ResponseForwarder(handler: self, context: context), eventLoop: loop)
        let httpd = self.httpd
        exchange = SyndicateActor.boot(name: "http request \(request.sequenceNumber)", executor: EventLoopExecutor(loop)) { turn in
            let responder = turn.ref(HTTPResponderEntity { message in
                loop.execute { forward.value.deliver(message) }
            })
            turn.assert(httpd, Http.HttpContext<Ref>(req: request, res: responder))
        }
        timeout = loop.scheduleTask(in: responseTimeout) { [weak self] in
            guard let self, self.exchange != nil, !self.response.headSent else { return }
            self.logger.info("no response to an HTTP request", metadata: ["path": "\(request.path)"])
            self.finishExchange()
            self.respondAndClose(context, status: .gatewayTimeout, "no response\n")
        }
    }

    /// One message of the response protocol, on the channel's event loop.
    fileprivate func deliver(_ message: Http.HttpResponse, context: ChannelHandlerContext) {
        guard exchange != nil else { return }  // answered already (a second responder loses)
        for part in response.parts(for: message, allocator: context.channel.allocator) {
            context.write(wrapOutboundOut(part), promise: nil)
        }
        context.flush()
        guard response.isDone else { return }
        finishExchange()
        if response.keepAlive {
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            context.read()
        } else {
            context.close(promise: nil)
        }
    }

    private func finishExchange() {
        timeout?.cancel()
        timeout = nil
        exchange?.run { $0.stopActor() }
        exchange = nil
    }

    private func respondAndClose(_ context: ChannelHandlerContext, status: HTTPResponseStatus, _ text: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// `<http-request …>` for a request head and body.
    static func request(_ head: HTTPRequestHead, body: [UInt8]?, port: Int, sequenceNumber: Int) -> Http.HttpRequest {
        let (pathPart, queryPart) = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            .map(String.init).splitFirst()
        let path = pathPart.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncoding ?? String($0) }
        var query: [Symbol: [Http.QueryValue]] = [:]
        for item in (queryPart ?? "").split(separator: "&") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(pair[0])
            let value = pair.count > 1 ? (String(pair[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(pair[1])) : ""
            query[Symbol(name), default: []].append(.string(value))
        }
        var headers: Http.Headers = [:]
        for (name, value) in head.headers {
            let key = Symbol(name.lowercased())
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        let host = head.headers.first(name: "host").map { $0.split(separator: ":").first.map(String.init) ?? $0 }
        return Http.HttpRequest(
            sequenceNumber: SignedInteger(sequenceNumber), host: host.map { .present($0) } ?? .absent, port: SignedInteger(port),
            method: Symbol(head.method.rawValue.lowercased()), path: path, headers: headers, query: query,
            body: body.map { .present($0) } ?? .absent)
    }
}

extension Array where Element == String {
    /// The first element and the second, if any.
    fileprivate func splitFirst() -> (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}

/// Hands response messages from the request's actor back to the handler, on its event loop.
private struct ResponseForwarder {
    let handler: HTTPDataspaceHandler
    let context: ChannelHandlerContext

    func deliver(_ message: Http.HttpResponse) { handler.deliver(message, context: context) }
}

/// The `res` of a request: parses the messages of the response protocol and passes them on.
final class HTTPResponderEntity: Entity {
    private let forward: @Sendable (Http.HttpResponse) -> Void

    init(_ forward: @escaping @Sendable (Http.HttpResponse) -> Void) {
        self.forward = forward
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        guard let message = try? Http.HttpResponse(preserves: value) else { return }
        forward(message)
    }
}

/// Numbers the requests of a listener.
final class HTTPRequestCounter: Sendable {
    private let counter = Atomic<Int>(0)
    func next() -> Int { counter.wrappingAdd(1, ordering: .relaxed).newValue }
}

import NIOCore
import NIOHTTP1
import Preserves
import SyndicateProtocols

/// Turns the messages of http.prs's response protocol — `(status | header)* chunk* done` — into
/// HTTP response parts: the head goes out with the first chunk (chunked transfer) or with
/// `done` (with a `Content-Length`); messages after `done` are ignored, as are `status` and
/// `header` once the head is out.
struct HTTPResponseWriter {
    private(set) var headSent = false
    private(set) var isDone = false
    let keepAlive: Bool
    private let version: HTTPVersion
    private var status: HTTPResponseStatus = .ok
    private var headers = HTTPHeaders()

    init(keepAlive: Bool = false, version: HTTPVersion = .http1_1) {
        self.keepAlive = keepAlive
        self.version = version
    }

    /// The parts to write for `message`.
    mutating func parts(for message: Http.HttpResponse, allocator: ByteBufferAllocator) -> [HTTPServerResponsePart] {
        guard !isDone else { return [] }
        switch message {
        case .status(let code, let reason):
            if !headSent, let code = code.int, (100...999).contains(code) {
                status = HTTPResponseStatus(statusCode: code, reasonPhrase: reason)
            }
            return []
        case .header(let name, let value):
            if !headSent { headers.add(name: name.name, value: value) }
            return []
        case .chunk(let chunk):
            var out: [HTTPServerResponsePart] = []
            if !headSent { out.append(head(contentLength: nil)) }
            out.append(.body(.byteBuffer(Self.buffer(chunk, allocator))))
            return out
        case .done(let chunk):
            isDone = true
            let bytes = Self.buffer(chunk, allocator)
            var out: [HTTPServerResponsePart] = []
            if !headSent { out.append(head(contentLength: bytes.readableBytes)) }
            if bytes.readableBytes > 0 { out.append(.body(.byteBuffer(bytes))) }
            out.append(.end(nil))
            return out
        }
    }

    private mutating func head(contentLength: Int?) -> HTTPServerResponsePart {
        headSent = true
        var headers = self.headers
        if let contentLength { headers.replaceOrAdd(name: "Content-Length", value: "\(contentLength)") }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        return .head(HTTPResponseHead(version: version, status: status, headers: headers))
    }

    private static func buffer(_ chunk: Http.Chunk, _ allocator: ByteBufferAllocator) -> ByteBuffer {
        switch chunk {
        case .string(let text): allocator.buffer(string: text)
        case .bytes(let bytes): allocator.buffer(bytes: bytes)
        }
    }
}

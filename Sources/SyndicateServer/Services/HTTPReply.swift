import Preserves
import Syndicate
import SyndicateProtocols

/// One whole HTTP response, written as the `Http.HttpResponse` messages the HTTP server
/// expects on a request's `res` ref: the status, a `content-type` header, then the body in
/// chunks of at most `chunkSize` bytes, the last one carried by `done`.
struct HTTPReply {
    var code: Int = 200
    var message: String = "OK"
    var contentType: String
    var body: [UInt8]

    /// A short plain-text response whose body is `message` itself (for errors).
    static func plain(_ code: Int, _ message: String) -> HTTPReply {
        HTTPReply(code: code, message: message, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8))
    }

    func send(_ turn: Turn, to res: Ref, chunkSize: Int = 64 << 10) {
        turn.message(res, Http.HttpResponse.status(code: SignedInteger(code), message: message))
        turn.message(res, Http.HttpResponse.header(name: "content-type", value: contentType))
        var offset = 0
        while body.count - offset > chunkSize {
            turn.message(res, Http.HttpResponse.chunk(chunk: .bytes(Array(body[offset..<offset + chunkSize]))))
            offset += chunkSize
        }
        turn.message(res, Http.HttpResponse.done(chunk: .bytes(Array(body[offset...]))))
    }
}

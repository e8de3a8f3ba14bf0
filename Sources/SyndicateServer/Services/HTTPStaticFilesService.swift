import Foundation
import Logging
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<http-static-files DIR N>` (upstream's internalServices.prs): a handler, published as the
/// service object, that answers each `<request …>` asserted to it with the file at the
/// request's path less its first `N` segments, under `DIR`. Paths that climb out of `DIR`
/// (`..`), hidden files and anything that is not a regular file get `404`; files larger than
/// 64 MiB get `413`. Bodies go out in 64 KiB chunks.
enum HTTPStaticFilesService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: InternalServices.HttpStaticFileServer.pattern()) { turn, spec, status in
            let skip = max(0, spec.pathPrefixElements.int ?? 0)
            let handler = turn.ref(StaticFileHandler(directory: spec.dir, skip: skip, logger: context.logger))
            status.publish(turn, object: .embedded(handler))
            status.set(turn, .ready)
        }
    }
}

/// Answers `<request …>` assertions with files from a directory.
final class StaticFileHandler: Entity {
    static let maxFileSize = 64 << 20
    static let chunkSize = 64 << 10

    private let directory: URL
    private let skip: Int
    private let logger: Logger

    init(directory: String, skip: Int, logger: Logger) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        self.skip = skip
        self.logger = logger
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let exchange = try? Http.HttpContext<Ref>(preserves: value) else { return }
        let res = exchange.res
        let segments = Array(exchange.req.path.dropFirst(skip))
        guard exchange.req.method.name == "get" || exchange.req.method.name == "head",
              segments.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("/") }) else {
            return Self.respond(turn, res, 404, "Not found")
        }
        let file = segments.reduce(directory) { $0.appendingPathComponent($1) }
        var isDirectory: ObjCBool = false
        guard file.path.hasPrefix(directory.path),
              FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return Self.respond(turn, res, 404, "Not found")
        }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int, size <= Self.maxFileSize else {
            return Self.respond(turn, res, 413, "File too large")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return Self.respond(turn, res, 404, "Not found")
        }
        HTTPReply(contentType: Self.contentType(of: file.pathExtension), body: [UInt8](data)).send(turn, to: res, chunkSize: Self.chunkSize)
    }

    private static func respond(_ turn: Turn, _ res: Ref, _ code: Int, _ message: String) {
        HTTPReply.plain(code, message).send(turn, to: res)
    }

    static func contentType(of fileExtension: String) -> String {
        switch fileExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "txt", "md", "pr", "prs": "text/plain; charset=utf-8"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "svg": "image/svg+xml"
        case "wasm": "application/wasm"
        default: "application/octet-stream"
        }
    }
}

import Logging
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<http-router #:httpd>` (upstream's internalServices.prs): routes the requests relay
/// listeners assert into `httpd` to the handlers bound there with
/// `<http-bind HOST PORT METHOD PATH #:handler>`, asserting `<request …>` to the handler for as
/// long as the request stands, and `<http-service HOST PORT METHOD PATH>` for every binding.
/// A request no binding matches gets `404`; when several match, the first (in binding order)
/// gets it and a warning is logged.
enum HTTPRouterService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: InternalServices.HttpRouter<Ref>.pattern()) { turn, spec, status in
            let routes = HTTPRoutes()
            let httpd = spec.httpd
            turn.onAssertion(
                httpd, Http.HttpBinding<Ref>.pattern(),
                onAssert: { turn, binding, handle in
                    routes.add(binding, handle)
                    routes.services[handle] = turn.assert(
                        httpd, Http.HttpService(host: binding.host, port: binding.port, method: binding.method, path: binding.path))
                },
                onRetract: { turn, _, handle in
                    routes.remove(handle)
                    if let service = routes.services.removeValue(forKey: handle) { turn.retract(service) }
                })
            turn.during(httpd, Http.HttpContext<Ref>.pattern()) { turn, exchange in
                let matches = routes.matching(exchange.req)
                guard let route = matches.first else {
                    turn.message(exchange.res, Http.HttpResponse.status(code: 404, message: "Not found"))
                    turn.message(exchange.res, Http.HttpResponse.done(chunk: .string("Not found\n")))
                    return
                }
                if matches.count > 1 {
                    context.logger.warning("several HTTP bindings match a request; using the first", metadata: [
                        "path": "\(exchange.req.path)", "bindings": "\(matches.count)",
                    ])
                }
                turn.assert(route.handler, exchange)
            }
            status.set(turn, .ready)
        }
    }
}

/// The bindings an HTTP router knows, in the order they appeared. Used in turns of the
/// router's actor only.
final class HTTPRoutes {
    private var bindings: [(handle: Handle, binding: Http.HttpBinding<Ref>)] = []
    var services: [Handle: Handle] = [:]

    func add(_ binding: Http.HttpBinding<Ref>, _ handle: Handle) { bindings.append((handle, binding)) }
    func remove(_ handle: Handle) { bindings.removeAll { $0.handle == handle } }

    /// The bindings that match `request`, first bound first.
    func matching(_ request: Http.HttpRequest) -> [Http.HttpBinding<Ref>] {
        bindings.map(\.binding).filter { Self.matches($0, request) }
    }

    static func matches(_ binding: Http.HttpBinding<Ref>, _ request: Http.HttpRequest) -> Bool {
        switch binding.host {
        case .any: break
        case .host(let host):
            guard case .present(let requested) = request.host, requested.lowercased() == host.lowercased() else { return false }
        }
        guard binding.port == request.port else { return false }
        switch binding.method {
        case .any: break
        case .specific(let method): guard method.name.lowercased() == request.method.name else { return false }
        }
        return matches(binding.path[...], request.path[...])
    }

    /// Whether `pattern` (labels, `_` for any one segment, `...` for the rest) matches `path`.
    static func matches(_ pattern: ArraySlice<Http.PathPatternElement>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        switch first {
        case .rest: return true
        case .wildcard:
            guard !path.isEmpty else { return false }
            return matches(pattern.dropFirst(), path.dropFirst())
        case .label(let label):
            guard path.first == label else { return false }
            return matches(pattern.dropFirst(), path.dropFirst())
        }
    }
}

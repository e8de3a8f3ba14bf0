import Logging
import NIOCore
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// `<relay-listener <tcp HOST PORT> #:gatekeeper>` and `<relay-listener <unix PATH> #:gatekeeper>`
/// (upstream's internalServices.prs): binds the address, then is `ready` and publishes the
/// bound port as `<service-object SPEC <port N>>`; `failed` when it cannot bind. Each
/// connection speaks the Syndicate protocol (TCP ones also WebSocket) and sees `gatekeeper` as
/// oid 0. With a third field, `<relay-listener <tcp …> #:gatekeeper #:httpd>`, plain HTTP
/// requests are asserted into `httpd` (http.prs) and `<http-listener PORT>` is asserted there.
/// The listener closes when the service stops.
enum RelayListenerService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        let tcp = InternalServices.TcpWithoutHttp<Ref>.pattern(addr: .pattern(TransportAddress.Tcp.pattern()))
        ServiceHost.serve(turn, context, kind: tcp) { turn, spec, status in
            guard let port = spec.addr.port.int, (0...65535).contains(port) else {
                context.logger.error("relay listener port out of range", metadata: ["spec": "\(status.name)"])
                status.set(turn, .failed)
                return
            }
            // `<relay-listener ADDR #:gatekeeper #:httpd>` also serves HTTP through `httpd`.
            let httpd = (try? InternalServices.TcpWithHttp<Ref>(preserves: status.name))?.httpd
            listen(turn, context, .tcp(host: spec.addr.host, port: port), gatekeeper: spec.gatekeeper, httpd: httpd, status: status)
        }
        let unix = InternalServices.UnixRelayListener<Ref>.pattern(addr: .pattern(TransportAddress.Unix.pattern()))
        ServiceHost.serve(turn, context, kind: unix) { turn, spec, status in
            listen(turn, context, .unix(path: spec.addr.path), gatekeeper: spec.gatekeeper, httpd: nil, status: status)
        }
    }

    private static func listen(
        _ turn: Turn, _ context: ServiceContext, _ endpoint: RelayListener.Endpoint, gatekeeper: Ref, httpd: Ref?, status: ServiceStatus
    ) {
        status.set(turn, .started)
        let logger = context.logger
        turn.linkedTask(producing: { () async -> RelayListener? in
            do {
                return try await RelayListener.bind(endpoint, exporting: gatekeeper, limits: context.limits, logger: logger, group: context.group, httpd: httpd)
            } catch {
                logger.error("relay listener failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
                return nil
            }
        }) { turn, bound in
            guard let bound else {
                status.set(turn, .failed)
                return
            }
            if let port = bound.port {
                status.publish(turn, object: Server.BoundPort(port: SignedInteger(port)).preserves(as: Ref.self))
                if let httpd { turn.assert(httpd, Http.HttpListener(port: SignedInteger(port))) }
            }
            status.set(turn, .ready)
            context.listeners.add(bound)
            turn.onStop { _ in
                context.listeners.remove(bound)
                Task { await bound.close() }
            }
        }
    }
}

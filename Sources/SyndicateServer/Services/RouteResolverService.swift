import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// `<route-resolver #:dataspace>`: route resolution in `dataspace` (`Turn.serveRoutes(in:)`):
/// observers of `<resolve-path ROUTE _ _ _>` there get ROUTE followed over TCP, WebSocket or
/// Unix sockets, through sturdy-ref and noise steps, and answered with
/// `<resolve-path ROUTE addr #:control <accepted #:remote>>` or `<rejected reason>`. The broker
/// requires it for `$config` as a core service, so config scripts can write
/// `? <resolve-path <route [<tcp "host" port>] <ref {…}>> _ _ <accepted ?remote>> [ … ]`.
/// Stopping the service closes every connection it made.
enum RouteResolverService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: Server.RouteResolver<Ref>.pattern()) { turn, spec, status in
            turn.serveRoutes(in: spec.dataspace, limits: context.limits, logger: context.logger, group: context.group)
            status.set(turn, .ready)
        }
    }
}

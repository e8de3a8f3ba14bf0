import Logging
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<federation {name: NAME dataspace: #:ds peers: [<peer NAME ROUTE> …] mode: mesh|tree}>`
/// (federation.prs): shares `dataspace`'s contents with the peer brokers. It forwards the
/// interest of local observers to every peer it has a link to, and serves the interest peers
/// send it from `dataspace` (see ``FederationNode``). Peers are reached by route resolution
/// (``RouteResolverService``), which keeps each link up while the service runs. Its service object is its federation
/// entity: bind it where peers' routes lead, e.g.
/// `? <service-object <federation _> ?fed> <bind <ref {oid: "federation" key: #x""}> $fed #f>`.
enum FederationService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: Federation.FederationService<Ref>.pattern()) { turn, service, status in
            let spec = service.spec
            let node = FederationNode(turn, name: spec.name, dataspace: spec.dataspace, mode: spec.mode, logger: context.logger)
            // The node's entities hold it weakly; the service's facet keeps it.
            turn.onStop { _ in withExtendedLifetime(node) {} }
            // Each peer's route, resolved by the broker's route resolver on $config for as long as
            // the service runs: a lost link stops the facet (retracting what crossed it) and
            // attaches the peer again once the route is resolved again.
            for peer in spec.peers where peer.name != spec.name {
                turn.resolveRoute(peer.route, in: context.config, rejected: { _, detail in
                    context.logger.warning("federation peer rejected", metadata: ["federation": "\(spec.name)", "peer": "\(peer.name)", "detail": "\(detail)"])
                }) { turn, entity in
                    node.attach(turn, peer: peer.name, entity: entity)
                }
            }
            if let entity = node.entity { status.publish(turn, object: .embedded(entity)) }
            status.set(turn, .ready)
        }
    }
}

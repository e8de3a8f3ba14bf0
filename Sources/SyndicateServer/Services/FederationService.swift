import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<federation {name: NAME dataspace: #:ds peers: [<peer NAME ROUTE> …] mode: mesh|tree}>`
/// (federation.prs): shares `dataspace`'s contents with the peer brokers. It forwards the
/// interest of local observers to every peer it has a link to, and serves the interest peers
/// send it from `dataspace` (see ``FederationNode``). Its service object is its federation
/// entity: bind it where peers' routes lead, e.g.
/// `? <service-object <federation _> ?fed> <bind <ref {oid: "federation" key: #x""}> $fed #f>`.
enum FederationService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: Federation.FederationService<Ref>.pattern()) { turn, service, status in
            let spec = service.spec
            let node = FederationNode(turn, name: spec.name, dataspace: spec.dataspace, mode: spec.mode, logger: context.logger)
            // The node's entities hold it weakly; the service's facet keeps it.
            turn.onStop { _ in withExtendedLifetime(node) {} }
            for peer in spec.peers where peer.name != spec.name {
                try FederationLink.maintain(turn, context, peer: peer) { turn, entity in
                    node.attach(turn, peer: peer.name, entity: entity)
                }
            }
            if let entity = node.entity { status.publish(turn, object: .embedded(entity)) }
            status.set(turn, .ready)
        }
    }
}

import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<gatekeeper #:bindspace>`: a gatekeeper answering `<resolve …>` requests from the
/// `<bind …>` assertions in `bindspace`, published as the service object once ready
/// (`? <service-object <gatekeeper $ds> ?gk> …` in a config gets it).
enum GatekeeperService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: InternalServices.Gatekeeper<Ref>.pattern()) { turn, spec, status in
            let gatekeeper = turn.ref(GatekeeperEntity(bindings: spec.bindspace))
            turn.answerNoiseBindObservers(spec.bindspace)
            status.publish(turn, object: .embedded(gatekeeper))
            status.set(turn, .ready)
        }
    }
}

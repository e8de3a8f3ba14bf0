import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<milestone NAME>`: a service that does nothing but become ready once it runs, which is
/// once its dependencies are ready. Configs group services under milestones
/// (`<depends-on <milestone network> <service-state <daemon dhcp> ready>>`); every service not
/// declared `<core-service …>` waits for `<milestone core>`.
enum MilestoneService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: Server.Milestone<Ref>.pattern()) { turn, _, status in
            status.set(turn, .ready)
        }
    }
}

import Logging
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// Turns `<require-service SPEC>` into `<run-service SPEC>` once SPEC's dependencies hold, as
/// upstream syndicate-server's tracker does:
///
/// - each `<depends-on SPEC <service-state DEP STATE>>` requires `DEP` in turn and is an
///   obstacle until exactly `<service-state DEP STATE>` is asserted;
/// - every service except milestones depends on `<service-state <milestone core> ready>`,
///   unless `<core-service SPEC>` is asserted;
/// - the first decision waits for a round trip through `$config`, so dependencies asserted in
///   the same batch as the requirement count;
/// - `<run-service SPEC>` is withdrawn again whenever an obstacle reappears, and with the
///   requirement.
enum DependencyTracker {
    static func run(_ turn: Turn, config: Ref, logger: Logger) {
        turn.during(config, Service.RequireService<Ref>.pattern()) { turn, requirement in
            track(turn, config: config, service: requirement.serviceName, logger: logger)
        }
    }

    static var coreMilestone: AnyValue { Server.Milestone<Ref>(name: .symbol("core")).preserves }

    private static func track(_ turn: Turn, config: Ref, service: AnyValue, logger: Logger) {
        logger.debug("tracking dependencies", metadata: ["service": "\(service)"])
        let obstacles = Obstacles(turn, config: config, service: service)

        if (try? Server.Milestone<Ref>(preserves: service)) == nil {
            let coreDependency = Service.ServiceDependency<Ref>(
                depender: service, dependee: Service.ServiceState(serviceName: coreMilestone, state: .ready))
            let core = CoreDeclarations(turn, config: config, dependency: coreDependency)
            turn.onAssertion(
                config, Server.CoreService<Ref>.pattern(serviceName: .literal(service)),
                onAssert: { turn, _, _ in core.declared(turn, +1) },
                onRetract: { turn, _, _ in core.declared(turn, -1) })
        }

        turn.during(config, Service.ServiceDependency<Ref>.pattern(depender: .literal(service))) { turn, dependency in
            let dependee = dependency.dependee
            turn.assert(config, Service.RequireService<Ref>(serviceName: dependee.serviceName))
            obstacles.adjust(turn, +1)
            turn.onStop { turn in obstacles.adjust(turn, -1) }
            let satisfied = Service.ServiceState<Ref>.pattern(serviceName: .literal(dependee.serviceName), state: .literal(dependee.state))
            turn.during(config, satisfied) { turn, _ in
                obstacles.adjust(turn, -1)
                turn.onStop { turn in obstacles.adjust(turn, +1) }
            }
        }

        turn.sync(config) { turn in obstacles.adjust(turn, -1) }
    }

    /// The count of what stands between a required service and its running; `<run-service …>`
    /// is asserted, in the tracking facet, while it is zero. It starts at one for the initial
    /// round trip through `$config`.
    private final class Obstacles {
        private let config: Ref
        private let service: AnyValue
        private let facet: FacetID
        private var count = 1
        private var running: Handle?

        init(_ turn: Turn, config: Ref, service: AnyValue) {
            self.config = config
            self.service = service
            self.facet = turn.activeFacet
        }

        func adjust(_ turn: Turn, _ delta: Int) {
            count += delta
            turn.inFacet(facet) { turn in
                if count == 0, running == nil {
                    running = turn.assert(config, Service.RunService<Ref>(serviceName: service))
                } else if count != 0, let handle = running {
                    turn.retract(handle)
                    running = nil
                }
            }
        }
    }

    /// The dependency on `<milestone core>`, asserted while no `<core-service …>` declares the
    /// service part of the core.
    private final class CoreDeclarations {
        private let config: Ref
        private let dependency: Service.ServiceDependency<Ref>
        private let facet: FacetID
        private var declarations = 0
        private var asserted: Handle?

        init(_ turn: Turn, config: Ref, dependency: Service.ServiceDependency<Ref>) {
            self.config = config
            self.dependency = dependency
            self.facet = turn.activeFacet
            asserted = turn.assert(config, dependency)
        }

        func declared(_ turn: Turn, _ delta: Int) {
            declarations += delta
            turn.inFacet(facet) { turn in
                if declarations > 0, let handle = asserted {
                    turn.retract(handle)
                    asserted = nil
                } else if declarations == 0, asserted == nil {
                    asserted = turn.assert(config, dependency)
                }
            }
        }
    }
}

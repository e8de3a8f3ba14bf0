import Logging
import Preserves
import Syndicate
import SyndicateProtocols

/// Runs services the way upstream syndicate-server does: a service of a kind runs, in a facet
/// of its own, while `<run-service SPEC>` for a SPEC of that kind is asserted in `$config`, and
/// stops (withdrawing its state, its objects and whatever it set up) when that is retracted.
/// `<require-service SPEC>` becomes `<run-service SPEC>` through the ``DependencyTracker``.
enum ServiceHost {
    /// Starts the dependency tracker and every kind of service the broker offers.
    static func boot(_ turn: Turn, _ context: ServiceContext) {
        DependencyTracker.run(turn, config: context.config, logger: context.logger)
        MilestoneService.register(turn, context)
        GatekeeperService.register(turn, context)
        RouteResolverService.register(turn, context)
        RelayListenerService.register(turn, context)
        ConfigWatcherService.register(turn, context)
        DebtReporterService.register(turn, context)
        DaemonService.register(turn, context)
        HTTPRouterService.register(turn, context)
        HTTPStaticFilesService.register(turn, context)
        MetricsService.register(turn, context)
        FederationService.register(turn, context)
        LogService.run(turn, log: context.log, logger: context.logger)
    }

    /// Runs `start` in a facet of its own for each `<run-service SPEC>` whose SPEC `kind`
    /// observes, with the parsed spec and the service's ``ServiceStatus``. A spec that
    /// matches the shape but does not parse is logged and ignored. If `start` throws, the
    /// service's state is `failed` and its facet stays until the requirement goes away.
    static func serve<Spec>(
        _ turn: Turn, _ context: ServiceContext, kind: DataspacePatterns.TypedPattern<Ref, Spec>,
        unparse: @escaping @Sendable (Spec) -> AnyValue,
        _ start: @escaping (Turn, Spec, ServiceStatus) throws -> Void
    ) {
        let runs = Service.RunService<Ref>.pattern(serviceName: .pattern(kind.map(unparse)))
        turn.during(context.config, runs) { turn, run in
            let spec: Spec
            do {
                spec = try kind.decode(value: run.serviceName)
            } catch {
                context.logger.warning("ignoring a service spec that does not parse", metadata: ["spec": "\(run.serviceName)", "error": "\(error)"])
                return
            }
            let status = ServiceStatus(turn, name: run.serviceName, config: context.config)
            context.logger.debug("service starting", metadata: ["service": "\(run.serviceName)"])
            turn.onStop { _ in context.logger.debug("service stopped", metadata: ["service": "\(run.serviceName)"]) }
            do {
                try start(turn, spec, status)
            } catch {
                context.logger.error("service failed to start", metadata: ["service": "\(run.serviceName)", "error": "\(error)"])
                status.set(turn, .failed)
            }
        }
    }

    /// ``serve(_:_:kind:unparse:_:)`` for specs whose type carries the broker's embedded refs.
    static func serve<Spec: SchemaRepresentable>(
        _ turn: Turn, _ context: ServiceContext, kind: DataspacePatterns.TypedPattern<Ref, Spec>,
        _ start: @escaping (Turn, Spec, ServiceStatus) throws -> Void
    ) where Spec.Embedded == Ref {
        serve(turn, context, kind: kind, unparse: { $0.preserves }, start)
    }

    /// ``serve(_:_:kind:unparse:_:)`` for specs of plain data.
    static func serve<Spec: SchemaPlainRepresentable>(
        _ turn: Turn, _ context: ServiceContext, kind: DataspacePatterns.TypedPattern<Ref, Spec>,
        _ start: @escaping (Turn, Spec, ServiceStatus) throws -> Void
    ) {
        serve(turn, context, kind: kind, unparse: { $0.preserves(as: Ref.self) }, start)
    }
}

import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<metrics>`: Prometheus metrics of the broker over HTTP. The service object is a handler
/// that answers each `<request …>` with the metrics (see ``BrokerMetrics``); a config binds it:
///
///     <require-service <metrics>>
///     ? <service-object <metrics> ?handler> [
///       $httpd += <http-bind #f 9001 get ["metrics"] $handler>
///     ]
enum MetricsService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: Server.Metrics.pattern()) { turn, _, status in
            let handler = turn.ref(MetricsHandler(listeners: context.listeners, budget: context.limits.outputBudget))
            status.publish(turn, object: .embedded(handler))
            status.set(turn, .ready)
        }
    }
}

/// Answers HTTP requests with the broker's metrics.
final class MetricsHandler: Entity {
    private let listeners: ListenerSet
    private let budget: OutputBudget

    init(listeners: ListenerSet, budget: OutputBudget) {
        self.listeners = listeners
        self.budget = budget
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let exchange = try? Http.HttpContext<Ref>(preserves: value) else { return }
        let body = BrokerMetrics.shared.exposition(listeners: listeners, budget: budget)
        HTTPReply(contentType: "text/plain; version=0.0.4; charset=utf-8", body: body).send(turn, to: exchange.res)
    }
}

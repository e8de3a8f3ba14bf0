import Logging
import ServiceLifecycle
import Syndicate

/// The broker as a swift-service-lifecycle `Service`: runs until the service group shuts
/// down gracefully (SIGTERM or SIGINT in `syndicate-server`), then drains: listeners stop,
/// peers are told `<error "server shutting down">`, and `run()` returns within the grace
/// period. If the broker's root actor ends by itself, `run()` throws.
public struct BrokerService: Service {
    public let broker: SyndicateBroker
    /// How long peers get to take their last packets before connections are dropped.
    public var gracePeriod: Duration

    public init(broker: SyndicateBroker, gracePeriod: Duration = .seconds(1)) {
        self.broker = broker
        self.gracePeriod = gracePeriod
    }

    /// Why the broker stopped on its own.
    public struct RootActorEnded: Error, CustomStringConvertible {
        public let status: ExitStatus
        public var description: String { "the server's root actor ended: \(status)" }
    }

    public func run() async throws {
        let broker = self.broker
        let status: ExitStatus? = await withGracefulShutdownHandler {
            let status = await broker.actor.terminated()
            return Task.isCancelled ? nil : status
        } onGracefulShutdown: {
            Task { await broker.shutdown(gracePeriod: gracePeriod) }
        }
        if let status, !broker.isShuttingDown { throw RootActorEnded(status: status) }
    }
}

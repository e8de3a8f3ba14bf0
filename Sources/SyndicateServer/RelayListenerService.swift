import Logging
import NIOCore
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// Runs the relay listeners required in the config dataspace.
///
/// For each `<require-service <relay-listener ADDR #:gatekeeper>>` (or `<run-service …>`) it
/// binds the address, asserts `<service-state SPEC started>` and then `ready`, and publishes
/// the bound port as `<service-object SPEC <port N>>`. A failure to bind asserts `failed`.
/// Withdrawing the requirement closes the listener.
enum RelayListenerService {
    static func run(_ turn: Turn, config: Ref, limits: RelayLimits, group: any EventLoopGroup, listeners: ListenerSet, logger: Logger) {
        for label: Symbol in ["require-service", "run-service"] {
            turn.during(config, Pattern.rec(label, Pattern.bind())) { turn, captures in
                guard let spec = try? Server.RelayListener<Ref>(preserves: captures[0]) else { return }
                start(turn, spec: captures[0], listener: spec, config: config, limits: limits, group: group, listeners: listeners, logger: logger)
            }
        }
    }

    private static func start(
        _ turn: Turn, spec: AnyValue, listener: Server.RelayListener<Ref>, config: Ref, limits: RelayLimits,
        group: any EventLoopGroup, listeners: ListenerSet, logger: Logger
    ) {
        let endpoint: RelayListener.Endpoint
        switch listener.addr {
        case .tcp(let tcp):
            guard let port = tcp.port.int, (0...65535).contains(port) else {
                logger.error("relay listener port out of range", metadata: ["spec": "\(spec)"])
                turn.assert(config, Service.ServiceState<Ref>(serviceName: spec, state: .failed).preserves)
                return
            }
            endpoint = .tcp(host: tcp.host, port: port)
        case .unix(let unix):
            endpoint = .unix(path: unix.path)
        }
        let gatekeeper = listener.gatekeeper
        let started = turn.assert(config, Service.ServiceState<Ref>(serviceName: spec, state: .started).preserves)
        _ = turn.preventInertCheck()
        turn.linkedTask(producing: { () async -> RelayListener? in
            do {
                return try await RelayListener.bind(endpoint, exporting: gatekeeper, limits: limits, logger: logger, group: group)
            } catch {
                logger.error("relay listener failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
                return nil
            }
        }) { turn, bound in
            guard let bound else {
                turn.retract(started)
                turn.assert(config, Service.ServiceState<Ref>(serviceName: spec, state: .failed).preserves)
                return
            }
            turn.assert(config, Service.ServiceState<Ref>(serviceName: spec, state: .ready).preserves)
            if let port = bound.port {
                let object = Server.BoundPort(port: SignedInteger(port)).preserves(as: Ref.self)
                turn.assert(config, Service.ServiceObject<Ref>(serviceName: spec, object: object).preserves)
            }
            listeners.add(bound)
            turn.onStop { _ in
                listeners.remove(bound)
                Task { await bound.close() }
            }
        }
    }
}

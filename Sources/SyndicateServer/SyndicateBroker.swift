import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Preserves
import Prometheus
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// The broker behind `syndicate-server`: a root actor holding the `$config` dataspace, a
/// `$log` dataspace, and the primordial gatekeeper (answering from the bindings in
/// `$config`), plus the services that `$config` asks for.
///
/// ```swift
/// var options = ServerOptions()
/// options.tcpAddresses = [TCPListenAddress(host: "127.0.0.1", port: 9001)]
/// let broker = try await SyndicateBroker.start(options)
/// ```
public final class SyndicateBroker: Sendable {
    /// The initial objects, which config scripts see as `$config`, `$log` and `$gatekeeper`.
    public struct Objects: Sendable {
        public let config: Ref
        public let log: Ref
        public let gatekeeper: Ref
        /// The root dataspace of the default configuration (none when config paths are given).
        public let root: Ref?
        /// `$control` (with ``ServerOptions/control``): `<exit CODE>` ends the server.
        public let control: Ref?
    }

    public let actor: SyndicateActor
    public let objects: Objects
    private let listeners: ListenerSet
    private let logger: Logger
    private let shuttingDown = NIOLockedValueBox(false)
    /// The `<relay-listener …>` services the options asked for, with their endpoints.
    private let optionListeners: [(endpoint: String, spec: AnyValue)]
    /// The event loops the broker made for itself (``ServerOptions/threads``), shut down with it.
    private let ownedGroup: MultiThreadedEventLoopGroup?

    /// The Prometheus registry of the broker's metrics (the `<metrics>` service answers with it).
    public static var metricsRegistry: PrometheusCollectorRegistry { BrokerMetrics.shared.registry }

    /// The connections open now on the broker's relay listeners.
    public var connectionCount: Int { listeners.all.reduce(0) { $0 + $1.connectionCount } }

    /// Whether ``shutdown(gracePeriod:)`` has been called.
    public var isShuttingDown: Bool { shuttingDown.withLock { $0 } }

    private init(actor: SyndicateActor, objects: Objects, listeners: ListenerSet, logger: Logger,
                 optionListeners: [(endpoint: String, spec: AnyValue)], ownedGroup: MultiThreadedEventLoopGroup?) {
        self.ownedGroup = ownedGroup
        self.actor = actor
        self.objects = objects
        self.listeners = listeners
        self.logger = logger
        self.optionListeners = optionListeners
    }

    /// Shuts the broker down: every listener stops accepting, every peer is sent
    /// `<error "server shutting down">` after what was already queued for it, and the root
    /// actor stops once the goodbyes are written or `gracePeriod` is over.
    public func shutdown(gracePeriod: Duration = .seconds(1)) async {
        shuttingDown.withLock { $0 = true }
        let listeners = self.listeners.all
        let connections = listeners.reduce(0) { $0 + $1.connectionCount }
        logger.notice("shutting down", metadata: ["listeners": "\(listeners.count)", "connections": "\(connections)"])
        await withTaskGroup(of: Void.self) { group in
            for listener in listeners {
                group.addTask { await listener.shutdown(gracePeriod: gracePeriod) }
            }
        }
        actor.run { $0.stopActor() }
        _ = await actor.terminated()
        try? await ownedGroup?.shutdownGracefully()
        logger.notice("shut down")
    }

    /// Boots the broker and asks for the listeners in `options`; returns once the root actor
    /// has made its objects (listeners come up asynchronously: watch `<service-state … ready>`
    /// in `$config`, or use ``listeningPorts(count:timeout:)``).
    ///
    /// The broker's actors and connections run on `group` (by default `options.threads` loops
    /// of a group the broker owns and shuts down with itself, or the shared singleton group).
    /// A config script's `$control ! <exit CODE>` (with `options.control`) calls `onExit`.
    public static func start(
        _ options: ServerOptions, group: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "syndicate-server"),
        onExit: @escaping @Sendable (Int32) -> Void = { _ in }
    ) async -> SyndicateBroker {
        let owned: MultiThreadedEventLoopGroup? = group == nil ? options.threads.map { MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)) } : nil
        let group: any EventLoopGroup = group ?? owned ?? MultiThreadedEventLoopGroup.singleton
        let box = ObjectsBox()
        let listeners = ListenerSet()
        let actor = await withCheckedContinuation { (continuation: CheckedContinuation<SyndicateActor, Never>) in
            // On an event loop: events between the dataspaces and the relay sessions on the same
            // loop then need no thread wake-ups.
            let actor = SyndicateActor.boot(name: "syndicate-server", executor: EventLoopExecutor(group.next())) { turn in
                let objects = makeObjects(turn, options, onExit: onExit, logger: logger)
                let context = ServiceContext(
                    config: objects.config, log: objects.log, gatekeeper: objects.gatekeeper, group: group,
                    limits: options.limits, listeners: listeners, logger: logger, configPollInterval: options.configPollInterval,
                    extraEnvironment: objects.control.map { ["control": .embedded($0)] } ?? [:])
                ServiceHost.boot(turn, context)
                box.optionListeners = requireOptionServices(turn, options, objects)
                if options.inferior {
                    turn.linkedTask { _ in
                        let connection = try await StdioRelay.serve(exporting: objects.config, limits: options.limits, logger: logger)
                        _ = await connection.actor.terminated()
                        logger.info("standard input closed; exiting")
                        exit(0)
                    }
                }
                box.objects = objects
            }
            actor.run { _ in continuation.resume(returning: actor) }
        }
        return SyndicateBroker(actor: actor, objects: box.objects!, listeners: listeners, logger: logger,
                               optionListeners: box.optionListeners, ownedGroup: owned)
    }

    /// The initial objects: `$config`, `$log`, the primordial gatekeeper over `$config`, the
    /// default root dataspace (without config paths) and `$control` (with `options.control`).
    private static func makeObjects(_ turn: Turn, _ options: ServerOptions, onExit: @escaping @Sendable (Int32) -> Void, logger: Logger) -> Objects {
        let config = turn.createDataspace()
        let log = turn.createDataspace()
        let gatekeeper = turn.ref(GatekeeperEntity(bindings: config))
        turn.answerNoiseBindObservers(config)
        var root: Ref?
        if options.configPaths.isEmpty {
            let ds = turn.createDataspace()
            turn.bindSturdyRef(config, oid: .string("syndicate"), key: [], target: ds)
            root = ds
        }
        let control = options.control ? turn.ref(ControlEntity(logger: logger, onExit: onExit)) : nil
        return Objects(config: config, log: log, gatekeeper: gatekeeper, root: root, control: control)
    }

    /// Requires the services the command line asks for, as core services (they do not wait for
    /// `<milestone core>`, which configs may make depend on them); returns the listeners'
    /// endpoints and service names.
    private static func requireOptionServices(_ turn: Turn, _ options: ServerOptions, _ objects: Objects) -> [(endpoint: String, spec: AnyValue)] {
        func require(_ spec: AnyValue) {
            turn.assert(objects.config, Server.CoreService<Ref>(serviceName: spec))
            turn.assert(objects.config, Service.RequireService<Ref>(serviceName: spec))
        }
        // Route resolution on $config, where configs ask for `<resolve-path …>`.
        require(Server.RouteResolver<Ref>(dataspace: objects.config).preserves)
        var listeners: [(endpoint: String, spec: AnyValue)] = []
        let tcpAddresses = options.ports.map { TCPListenAddress(host: "0.0.0.0", port: $0) } + options.tcpAddresses
        for address in tcpAddresses {
            let tcp = TransportAddress.Tcp(host: address.host, port: SignedInteger(address.port))
            let spec = InternalServices.TcpWithoutHttp<Ref>(addr: tcp, gatekeeper: objects.gatekeeper).preserves
            require(spec)
            listeners.append((tcp.preserves(as: Never.self).description, spec))
        }
        for path in options.socketPaths {
            let unix = TransportAddress.Unix(path: path)
            let spec = InternalServices.UnixRelayListener<Ref>(addr: unix, gatekeeper: objects.gatekeeper).preserves
            require(spec)
            listeners.append((unix.preserves(as: Never.self).description, spec))
        }
        for path in options.configPaths {
            require(InternalServices.ConfigWatcher<Ref>(path: path, env: [:]).preserves)
        }
        if let interval = options.debtReportInterval {
            require(InternalServices.DebtReporter(intervalSeconds: interval).preserves(as: Ref.self))
        }
        return listeners
    }

    /// Waits until each listener asked for in the options (`ports`, `tcpAddresses`,
    /// `socketPaths`) is up or has failed, for at most `timeout`; returns the endpoints of those
    /// that failed (such as `<tcp "127.0.0.1" 9001>` when the port is taken).
    public func failedListeners(timeout: Duration = .seconds(10)) async -> [String] {
        let wanted = optionListeners
        guard !wanted.isEmpty else { return [] }
        let (states, continuation) = AsyncStream.makeStream(of: (spec: AnyValue, failed: Bool).self)
        let config = objects.config
        let watcher = await withCheckedContinuation { (started: CheckedContinuation<FacetID, Never>) in
            actor.run { turn in
                started.resume(returning: turn.facet { turn in
                    turn.during(config, Service.ServiceState<Ref>.pattern()) { _, state in
                        switch state.state {
                        case .ready: continuation.yield((state.serviceName, false))
                        case .failed: continuation.yield((state.serviceName, true))
                        default: break
                        }
                    }
                })
            }
        }
        defer { actor.run { turn in turn.stop(watcher) } }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            continuation.finish()
        }
        defer { timer.cancel() }
        var settled: [AnyValue: Bool] = [:]
        for await (spec, failed) in states {
            settled[spec] = failed
            if wanted.allSatisfy({ settled[$0.spec] != nil }) { break }
        }
        continuation.finish()
        return wanted.filter { settled[$0.spec] == true }.map(\.endpoint)
    }

    /// The ports of the TCP listeners that are up, once `count` of them are ready.
    public func listeningPorts(count: Int, timeout: Duration = .seconds(10)) async throws -> [Int] {
        let found = PortCollector(expected: count)
        let config = objects.config
        actor.run { turn in
            turn.facet { turn in
                let ports = Service.ServiceObject<Ref>.pattern(object: .pattern(Server.BoundPort.pattern().map { $0.preserves(as: Ref.self) }))
                turn.during(config, ports) { _, published in
                    if let bound = try? Server.BoundPort(preserves: published.object), let port = bound.port.int { found.add(port) }
                }
            }
        }
        return try await found.wait(timeout: timeout)
    }
}

/// Hands the objects made in the boot turn to the starter.
private final class ObjectsBox: @unchecked Sendable {
    var objects: SyndicateBroker.Objects?
    var optionListeners: [(endpoint: String, spec: AnyValue)] = []
}

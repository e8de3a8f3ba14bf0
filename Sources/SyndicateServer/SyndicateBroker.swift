import Foundation
import Synchronization
import Logging
import NIOPosix
import Preserves
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
    }

    public let actor: SyndicateActor
    public let objects: Objects
    private let listeners: ListenerSet
    private let logger: Logger
    private let shuttingDown = Mutex(false)
    /// The `<relay-listener …>` services the options asked for, with their endpoints.
    private let optionListeners: [(endpoint: String, spec: AnyValue)]

    /// Whether ``shutdown(gracePeriod:)`` has been called.
    public var isShuttingDown: Bool { shuttingDown.withLock { $0 } }

    private init(actor: SyndicateActor, objects: Objects, listeners: ListenerSet, logger: Logger,
                 optionListeners: [(endpoint: String, spec: AnyValue)]) {
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
        logger.notice("shut down")
    }

    /// Boots the broker and asks for the listeners in `options`; returns once the root actor
    /// has made its objects (listeners come up asynchronously: watch `<service-state … ready>`
    /// in `$config`, or use ``listeningPorts(count:timeout:)``).
    public static func start(_ options: ServerOptions, logger: Logger = Logger(label: "syndicate-server")) async -> SyndicateBroker {
        let box = ObjectsBox()
        let listeners = ListenerSet()
        let actor = await withCheckedContinuation { (continuation: CheckedContinuation<SyndicateActor, Never>) in
            // On an event loop: events between the dataspaces and the relay sessions on the same
            // loop then need no thread wake-ups.
            let group: MultiThreadedEventLoopGroup = options.threads.map { MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)) } ?? .singleton
            let executor = EventLoopExecutor(group.next())
            let actor = SyndicateActor.boot(name: "syndicate-server", executor: executor) { turn in
                let config = turn.createDataspace()
                let log = turn.createDataspace()
                let gatekeeper = turn.ref(GatekeeperEntity(bindings: config))
                var root: Ref?
                if options.configPaths.isEmpty {
                    let ds = turn.createDataspace()
                    turn.bindSturdyRef(config, oid: .string("syndicate"), key: [], target: ds)
                    root = ds
                }
                RelayListenerService.run(turn, config: config, limits: options.limits, group: group, listeners: listeners, logger: logger)
                LogService.run(turn, log: log, logger: logger)
                ConfigWatcherService.run(
                    turn, config: config, environment: ["config": .embedded(config), "log": .embedded(log), "gatekeeper": .embedded(gatekeeper)],
                    pollInterval: options.configPollInterval, logger: logger)
                var listeners: [(endpoint: String, spec: AnyValue)] = []
                let tcpAddresses = options.ports.map { TCPListenAddress(host: "0.0.0.0", port: $0) } + options.tcpAddresses
                for address in tcpAddresses {
                    let tcp = TransportAddress.Tcp(host: address.host, port: SignedInteger(address.port))
                    listeners.append((tcp.preserves(as: Never.self).description,
                                      requireListener(turn, config: config, gatekeeper: gatekeeper, .tcp(tcp))))
                }
                for path in options.socketPaths {
                    let unix = TransportAddress.Unix(path: path)
                    listeners.append((unix.preserves(as: Never.self).description,
                                      requireListener(turn, config: config, gatekeeper: gatekeeper, .unix(unix))))
                }
                box.optionListeners = listeners
                for path in options.configPaths {
                    let watcher = Server.ConfigWatcher<Ref>(path: path, env: .dictionary([:]))
                    turn.assert(config, Service.RequireService<Ref>(serviceName: watcher.preserves).preserves)
                }
                if options.inferior {
                    turn.linkedTask { _ in
                        let connection = try await StdioRelay.serve(exporting: config, limits: options.limits, logger: logger)
                        _ = await connection.actor.terminated()
                        logger.info("standard input closed; exiting")
                        exit(0)
                    }
                }
                box.objects = Objects(config: config, log: log, gatekeeper: gatekeeper, root: root)
            }
            actor.run { _ in continuation.resume(returning: actor) }
        }
        return SyndicateBroker(actor: actor, objects: box.objects!, listeners: listeners, logger: logger,
                               optionListeners: box.optionListeners)
    }

    /// Asks for a relay listener on `addr`; returns its service name.
    private static func requireListener(_ turn: Turn, config: Ref, gatekeeper: Ref, _ addr: Server.ListenAddress) -> AnyValue {
        let spec = Server.RelayListener<Ref>(addr: addr, gatekeeper: gatekeeper).preserves
        turn.assert(config, Service.RequireService<Ref>(serviceName: spec).preserves)
        return spec
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
                    turn.during(config, Pattern.rec("service-state", Pattern.bind(), Pattern.bind())) { _, captures in
                        switch try? Service.State<Ref>(preserves: captures[1]) {
                        case .ready?: continuation.yield((captures[0], false))
                        case .failed?: continuation.yield((captures[0], true))
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
                turn.during(config, Pattern.rec("service-object", Pattern.discard, Pattern.bind())) { _, captures in
                    if let bound = try? Server.BoundPort(preserves: captures[0]), let port = bound.port.int { found.add(port) }
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

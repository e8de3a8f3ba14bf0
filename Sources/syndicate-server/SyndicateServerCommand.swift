import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer

@main
struct SyndicateServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syndicate-server",
        abstract: "A Syndicate broker: dataspaces, a gatekeeper and relay listeners, configured by scripts.",
        discussion: """
            With no -c, the well-known sturdy ref <ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}> \
            is bound to a fresh root dataspace, so `syndicate-server -p 9001` is usable at once. (syndicate-rs's \
            server binds nothing by default.) That ref's key is empty and public: anyone who can reach a listener \
            of the default configuration gets the root dataspace. A bare -p PORT listens on every IPv4 interface \
            (0.0.0.0), as syndicate-rs does; give -p 127.0.0.1:PORT or -p [::1]:PORT to listen on loopback only.
            """, version: ToolkitVersion.current)

    @Option(name: [.short, .customLong("port")],
            help: ArgumentHelp(
                "Listen for TCP and WebSocket connections at PORT (every IPv4 interface), HOST:PORT or [IPV6]:PORT (repeatable).",
                valueName: "address"),
            transform: { try TCPListenAddress(parsing: $0) })
    var ports: [TCPListenAddress] = []

    @Option(name: [.short, .customLong("socket")], help: "Listen on this Unix socket path (repeatable).")
    var sockets: [String] = []

    @Option(name: [.short, .customLong("config")], help: "Run the *.pr config scripts in this file or directory (repeatable).")
    var configs: [String] = []

    @Flag(help: "Speak the protocol on standard input and output, exporting $config as oid 0.")
    var inferior = false

    @Flag(help: "Do not print the banner.")
    var noBanner = false

    @Flag(help: "Give config scripts $control: the message <exit CODE> ends the server with that exit status.")
    var control = false

    @Flag(help: "Log every session's debt (work it caused that is still queued) each second.")
    var debtReporter = false

    @Option(name: [.short, .customLong("trace-file")], help: "Write every turn to this file, in trace.prs's format (Preserves text, one entry per line).")
    var traceFile: String?

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int?

    @Option(help: "Largest packet accepted from a peer, in bytes.")
    var maxPacketSize: Int = RelayLimits.default.maxPacketSize

    @Option(help: "Seconds a new connection has to send its first packet or complete its WebSocket upgrade before it is closed (0: no limit).")
    var handshakeTimeout: Double = 10

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["SYNDICATE_LOG"] ?? "info"

    func validate() throws {
        guard handshakeTimeout >= 0, handshakeTimeout.isFinite else {
            throw ValidationError("--handshake-timeout must be a number of seconds, 0 or more")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level \(logLevel)")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "syndicate-server")
        // swift-metrics users (the broker's libraries and their dependencies) report into the
        // registry the `<metrics>` service exposes.
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: SyndicateBroker.metricsRegistry))
        if !noBanner && !inferior { FileHandle.standardError.write(Data(Self.banner.utf8)) }

        var options = ServerOptions()
        options.tcpAddresses = ports
        options.socketPaths = sockets
        options.configPaths = configs
        options.inferior = inferior
        options.threads = threads
        options.control = control
        options.debtReportInterval = debtReporter ? 1.0 : nil
        options.limits.maxPacketSize = maxPacketSize
        options.limits.handshakeTimeout = handshakeTimeout > 0 ? .milliseconds(Int64(handshakeTimeout * 1000)) : nil
        var tracer: TraceFileWriter?
        if let traceFile {
            do {
                tracer = try TraceFileWriter(path: traceFile)
            } catch {
                logger.critical("cannot write the trace file \(traceFile): \(error)")
                throw ExitCode.failure
            }
            TurnTracing.start(tracer!)
        }
        defer { tracer?.flush() }
        let exitRequest = ExitRequest()
        let broker = await SyndicateBroker.start(options, logger: logger) { code in exitRequest.request(code) }
        // A listener asked for on the command line that cannot listen (a port already taken, a
        // socket path that cannot be made) is fatal: the server would otherwise run unreachable.
        let failed = await broker.failedListeners()
        if !failed.isEmpty {
            for endpoint in failed { logger.critical("could not listen on \(endpoint); exiting") }
            throw ExitCode.failure
        }
        if broker.objects.root != nil {
            let ref = Sturdy.SturdyRef<Ref>.wellKnownSyndicate
            let hex = ref.preserves.mapEmbedded { _ in IOEmbedded(.boolean(false)) }.binary().map { String(format: "%02x", $0) }.joined()
            logger.notice("root dataspace bound to the well-known sturdy ref \(ref.preserves)")
            logger.notice("the same ref in hex, for the example programs' -d option: \(hex)")
        }
        if ports.isEmpty && sockets.isEmpty && configs.isEmpty && !inferior {
            logger.warning("no listeners: give -p PORT, -s PATH or -c CONFIG")
        }
        // SIGTERM and SIGINT drain the broker: listeners stop, peers get an <error>, exit 0.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: BrokerService(broker: broker, gracePeriod: .seconds(1)))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        let reclaimer = Task.detached { await MemoryReclaimer.run() }
        defer { reclaimer.cancel() }
        // `$control ! <exit CODE>`: shut down as for SIGTERM, then exit with CODE.
        exitRequest.onRequest { _ in Task { await group.triggerGracefulShutdown() } }
        do {
            try await group.run()
        } catch {
            logger.error("\(error)")
            throw ExitCode.failure
        }
        if let code = exitRequest.code, code != 0 { throw ExitCode(code) }
    }

    static let banner = """
                                 __ __          __
          ___ __ _____  ___/ /__/ /_ __ _____  /_/__
         (_-</ // / _ \\/ _  / / / __/ _ `/ _ \\/ / -_)  syndicate-server (Swift)
        /___/\\_, /_//_/\\_,_/_/\\_\\__/\\_,_/_//_/_/\\__/   dataspaces · gatekeeper · relay
            /___/

        """
}

/// An exit asked for through `$control`, handed from the broker to the command.
final class ExitRequest: @unchecked Sendable {
    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var requested: Int32?
    private var handler: (@Sendable (Int32) -> Void)?

    var code: Int32? { lock.withLock { requested } }

    func request(_ code: Int32) {
        let handler = lock.withLock { () -> (@Sendable (Int32) -> Void)? in
            guard requested == nil else { return nil }
            requested = code
            return self.handler
        }
        handler?(code)
    }

    func onRequest(_ handler: @escaping @Sendable (Int32) -> Void) {
        let pending = lock.withLock { () -> Int32? in
            self.handler = handler
            return requested
        }
        if let pending { handler(pending) }
    }
}

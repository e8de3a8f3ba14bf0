import ArgumentParser
import Foundation
import Logging
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
            server binds nothing by default.)
            """, version: ToolkitVersion.current)

    @Option(name: [.short, .customLong("port")], help: "Listen for TCP and WebSocket connections on this port (repeatable).")
    var ports: [Int] = []

    @Option(name: [.short, .customLong("socket")], help: "Listen on this Unix socket path (repeatable).")
    var sockets: [String] = []

    @Option(name: [.short, .customLong("config")], help: "Run the *.pr config scripts in this file or directory (repeatable).")
    var configs: [String] = []

    @Flag(help: "Speak the protocol on standard input and output, exporting $config as oid 0.")
    var inferior = false

    @Flag(help: "Do not print the banner.")
    var noBanner = false

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int?

    @Option(help: "Largest packet accepted from a peer, in bytes.")
    var maxPacketSize: Int = RelayLimits.default.maxPacketSize

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["SYNDICATE_LOG"] ?? "info"

    func validate() throws {
        for port in ports where !(0...65535).contains(port) {
            throw ValidationError("port \(port) is out of range")
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
        if !noBanner && !inferior { FileHandle.standardError.write(Data(Self.banner.utf8)) }

        var options = ServerOptions()
        options.ports = ports
        options.socketPaths = sockets
        options.configPaths = configs
        options.inferior = inferior
        options.threads = threads
        options.limits.maxPacketSize = maxPacketSize
        let broker = await SyndicateBroker.start(options, logger: logger)
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
        do {
            try await group.run()
        } catch {
            logger.error("\(error)")
            throw ExitCode.failure
        }
    }

    static let banner = """
                                 __ __          __
          ___ __ _____  ___/ /__/ /_ __ _____  /_/__
         (_-</ // / _ \\/ _  / / / __/ _ `/ _ \\/ / -_)  syndicate-server (Swift)
        /___/\\_, /_//_/\\_,_/_/\\_\\__/\\_,_/_//_/_/\\__/   dataspaces · gatekeeper · relay
            /___/

        """
}

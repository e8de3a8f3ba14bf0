import Foundation
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServer
import SyndicateServerSchemas
import TestSupport
import Testing

/// The broker's service host: `require-service` becomes `run-service` by dependency tracking,
/// each service shows exactly one `service-state` at a time, and services stop when no longer
/// required.
@Suite("service host", .serialized)
struct ServiceHostTests {
    /// Every `<service-state …>` in `$config` as it comes and goes, and the most states any one
    /// service had at once.
    final class StateLog: @unchecked Sendable {
        private let lock = NSLock()
        private var present: [AnyValue: [Handle: AnyValue]] = [:]
        private var maxAtOnce: [AnyValue: Int] = [:]
        private var objects: [AnyValue: AnyValue] = [:]

        func added(_ state: Service.ServiceState<Ref>, _ handle: Handle) {
            lock.withLock {
                present[state.serviceName, default: [:]][handle] = state.state.preserves
                maxAtOnce[state.serviceName] = max(maxAtOnce[state.serviceName] ?? 0, present[state.serviceName]?.count ?? 0)
            }
        }

        func removed(_ state: Service.ServiceState<Ref>, _ handle: Handle) {
            lock.withLock { _ = present[state.serviceName]?.removeValue(forKey: handle) }
        }

        func published(_ object: Service.ServiceObject<Ref>) {
            lock.withLock { objects[object.serviceName] = object.object }
        }

        /// The states of `service` now.
        func states(of service: AnyValue) -> [AnyValue] { lock.withLock { Array((present[service] ?? [:]).values) } }
        func object(of service: AnyValue) -> AnyValue? { lock.withLock { objects[service] } }
        var mostStatesAtOnce: [AnyValue: Int] { lock.withLock { maxAtOnce } }

        func wait(timeout: Duration = .seconds(60), until condition: () -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if condition() { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return condition()
        }

        func wait(for service: AnyValue, toBe state: Service.State<Ref>, timeout: Duration = .seconds(60)) async -> Bool {
            await wait(timeout: timeout) { states(of: service) == [state.preserves] }
        }
    }

    /// A broker running the config `text` (one file in a fresh directory), with a watcher on
    /// its `$config`.
    static func broker(config text: String, control: Bool = false, onExit: @escaping @Sendable (Int32) -> Void = { _ in }) async throws -> (SyndicateBroker, StateLog, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("service-host-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try text.write(to: directory.appendingPathComponent("boot.pr"), atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.configPaths = [directory.path]
        options.control = control
        options.configPollInterval = .milliseconds(100)
        let broker = await SyndicateBroker.start(options, onExit: onExit)
        let log = StateLog()
        let config = broker.objects.config
        broker.actor.run { turn in
            turn.onAssertion(config, Service.ServiceState<Ref>.pattern(), onAssert: { _, state, handle in log.added(state, handle) },
                             onRetract: { _, state, handle in log.removed(state, handle) })
            turn.during(config, Service.ServiceObject<Ref>.pattern()) { _, object in log.published(object) }
        }
        return (broker, log, directory)
    }

    static func milestone(_ name: String) -> AnyValue { Server.Milestone<Ref>(name: .symbol(Symbol(name))).preserves }

    @Test("a boot-layer config (milestones, depends-on, core services, a user-defined state) reaches its states unaided")
    func bootLayer() async throws {
        let (broker, log, _) = try await Self.broker(config: """
            <require-service <milestone core>>
            <depends-on <milestone core> <service-state <milestone network> ready>>
            <depends-on <milestone network> <service-state <wifi> up>>
            <core-service <wifi>>
            <core-service <milestone network>>
            ? <run-service <wifi>> [
              <service-state <wifi> up>
            ]
            let ?inner = dataspace
            <require-service <gatekeeper $inner>>
            """)
        #expect(await log.wait(for: Self.milestone("core"), toBe: .ready))
        #expect(log.states(of: Self.milestone("network")) == [Service.State<Ref>.ready.preserves])
        #expect(log.states(of: .record("wifi")) == [.symbol("up")])
        // The gatekeeper service (not core: it waited for core) publishes its gatekeeper.
        #expect(await log.wait {
            log.mostStatesAtOnce.keys.contains { (try? InternalServices.Gatekeeper<Ref>(preserves: $0)) != nil }
        })
        let gatekeeperService = try #require(log.mostStatesAtOnce.keys.first { (try? InternalServices.Gatekeeper<Ref>(preserves: $0)) != nil })
        #expect(await log.wait(for: gatekeeperService, toBe: .ready))
        #expect(log.object(of: gatekeeperService)?.embedded != nil)
        await broker.shutdown()
    }

    @Test("every service shows exactly one service-state at a time, and stops when its requirement is retracted")
    func oneStateAndStopOnRetraction() async throws {
        let (broker, log, _) = try await Self.broker(config: "")
        let config = broker.objects.config
        let listener = InternalServices.TcpWithoutHttp<Ref>(
            addr: TransportAddress.Tcp(host: "127.0.0.1", port: 0), gatekeeper: broker.objects.gatekeeper).preserves
        let handle = HandleBox()
        broker.actor.run { turn in
            handle.value = turn.assert(config, Service.RequireService<Ref>(serviceName: listener))
        }
        #expect(await log.wait(for: listener, toBe: .ready))
        let port = try #require(log.object(of: listener).flatMap { try? Server.BoundPort(preserves: $0) }?.port.int)
        #expect(Self.connects(port: port))
        broker.actor.run { turn in turn.retract(handle.value!) }
        #expect(await log.wait { log.states(of: listener).isEmpty })
        #expect(await log.wait { !Self.connects(port: port) })
        for (service, count) in log.mostStatesAtOnce {
            #expect(count == 1, "\(service) had \(count) states at once")
        }
        await broker.shutdown()
    }

    @Test("with --control, $control ! <exit CODE> asks the server to exit with CODE")
    func controlExit() async throws {
        let code = CodeBox()
        let (broker, _, _) = try await Self.broker(config: "$control ! <exit 3>", control: true) { code.set($0) }
        #expect(await code.wait() == 3)
        await broker.shutdown()
    }

    static func daemon(_ id: String) -> AnyValue { ExternalServices.DaemonService<Ref>(id: .symbol(Symbol(id))).preserves }

    @Test("daemons: a simple one is ready and logs its output, a one-shot completes, a crashing one is restarted, and stopping the service kills the process")
    func daemons() async throws {
        let marks = FileManager.default.temporaryDirectory.appendingPathComponent("daemon-\(UUID().uuidString)").path
        let (broker, log, _) = try await Self.broker(config: """
            <require-service <daemon talker>>
            <daemon talker "echo hello from talker; exec sleep 600">
            <require-service <daemon setup>>
            <daemon setup <one-shot "true">>
            <require-service <daemon crasher>>
            <daemon crasher {argv: ["/bin/sh" "-c" "echo run >> \(marks); exit 3"] restart: on-error}>
            """)
        let lines = LogLines()
        let logDataspace = broker.objects.log
        broker.actor.run { turn in
            turn.onMessage(logDataspace, Server.LogEntry<Ref>.pattern()) { _, entry in
                if let line = entry.detail[Symbol("line")]?.string { lines.add(line) }
                if entry.detail[Symbol("line")]?.string == "hello from talker", let pid = entry.detail[Symbol("pid")]?.int { lines.add("pid \(pid)") }
            }
        }
        #expect(await log.wait(for: Self.daemon("talker"), toBe: .ready))
        #expect(await log.wait(for: Self.daemon("setup"), toBe: .complete))
        #expect(await log.wait(timeout: .seconds(15)) { lines.snapshot.contains("hello from talker") })
        // Restarted after each failure (1 s apart).
        #expect(await log.wait(timeout: .seconds(15)) {
            ((try? String(contentsOfFile: marks, encoding: .utf8)) ?? "").split(separator: "\n").count >= 2
        })
        // Stopping the service (here, with the whole broker) stops its process.
        let talker = try #require(lines.snapshot.first { $0.hasPrefix("pid ") }.flatMap { Int32($0.dropFirst(4)) })
        #expect(kill(talker, 0) == 0)
        await broker.shutdown()
        #expect(await log.wait { kill(talker, 0) != 0 })
        try? FileManager.default.removeItem(atPath: marks)
    }

    @Test("a daemon speaking the protocol on stdio (syndicate-server --inferior) is reachable through its service object")
    func protocolDaemon() async throws {
        let server = BuiltExecutables.path("syndicate-server")
        let (broker, log, _) = try await Self.broker(config: """
            <require-service <daemon inner>>
            <daemon inner {argv: ["\(server)" "--inferior" "--no-banner"] protocol: application/syndicate}>
            """)
        #expect(await log.wait(for: Self.daemon("inner"), toBe: .ready))
        #expect(await log.wait { log.object(of: Self.daemon("inner"))?.embedded != nil })
        let inner = try #require(log.object(of: Self.daemon("inner"))?.embedded)
        let seen = LogLines()
        broker.actor.run { turn in
            // The child's oid 0 is its $config: assert there, and see it come back.
            turn.assert(inner, Server.Milestone<Ref>(name: "from-outside"))
            turn.during(inner, Server.Milestone<Ref>.pattern(name: .literal("from-outside"))) { _, milestone in
                seen.add("\(milestone.name)")
            }
        }
        #expect(await log.wait { seen.snapshot == ["\"from-outside\""] })
        await broker.shutdown()
    }

    final class LogLines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var snapshot: [String] { lock.withLock { lines } }
    }

    final class HandleBox: @unchecked Sendable { var value: Handle? }

    final class CodeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var code: Int32?
        func set(_ c: Int32) { lock.withLock { code = c } }
        func wait() async -> Int32? {
            for _ in 0..<2000 {
                if let c = lock.withLock({ code }) { return c }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }
    }

    /// Whether a TCP connection to the loopback `port` is accepted.
    static func connects(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

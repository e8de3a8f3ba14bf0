import BenchmarkSupport
import Foundation

/// The broker under test: the `syndicate-server` release binary, as a child process of its
/// own (so its RSS and CPU time, read from /proc, are its alone), on a free loopback port.
final class Broker: @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    let started = Date()

    /// The binary: `$SYNDICATE_SERVER` if set, else `syndicate-server` beside this program
    /// (the same `swift run -c release` builds both).
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["SYNDICATE_SERVER"], !path.isEmpty { return path }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("syndicate-server").path
    }

    /// Starts `syndicate-server -p PORT --no-banner`; with `fdLimit`, under `ulimit -n`.
    /// The broker gets SIGKILL if this program dies first (setpriv's parent-death signal).
    init(fdLimit: Int? = nil, extraArguments: [String] = []) throws {
        let binary = Self.binaryPath
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw StressError("no syndicate-server at \(binary): run through `swift run -c release --package-path Benchmarks syndicate-stress`, or set SYNDICATE_SERVER")
        }
        port = freePort()
        var command = [binary, "-p", "\(port)", "--no-banner"] + extraArguments
        if let fdLimit {
            command = ["/bin/sh", "-c", "ulimit -n \(fdLimit) && exec \"$@\"", "sh"] + command
        }
        let setpriv = "/usr/bin/setpriv"
        if FileManager.default.isExecutableFile(atPath: setpriv) {
            command = [setpriv, "--pdeathsig", "KILL", "--"] + command
        }
        process = try ChildProcess(command[0], Array(command.dropFirst()), captureStandardError: true)
        Self.register(self)
        guard process.waitForErrorLine(timeout: 20, where: { $0.contains("listening") && $0.contains("\(port)") }) != nil else {
            let why = deathReport()
            process.kill()
            throw StressError("the broker did not start listening on port \(port): \(why)")
        }
    }

    var isAlive: Bool { process.isRunning }
    var stats: ProcStats? { ProcStats.read(pid: process.pid) }
    /// Resident memory in MiB (0 once the broker is gone).
    var residentMiB: Double { Double(stats?.residentKiB ?? 0) / 1024 }
    /// CPU seconds used so far (0 once the broker is gone).
    var cpuSeconds: Double { stats?.cpuSeconds ?? 0 }

    /// How the broker ended and what it said about it (a crash report's key lines, or its
    /// last lines), for a failure message.
    func deathReport(lines: Int = 4) -> String {
        let status = process.termination ?? "still running"
        let output = process.errorOutput
        var key: [String] = []
        for (i, line) in output.enumerated() {
            if line.contains("Fatal error") || line.contains("Program crashed") || line.contains("precondition") {
                key.append(line)
            } else if line.hasSuffix("crashed:"), i + 1 < output.count {
                key.append(line)
                key.append(output[i + 1])
            }
        }
        let shown = key.isEmpty ? Array(output.suffix(lines)) : Array(key.prefix(lines))
        let text = shown.map { "      | \($0.trimmingCharacters(in: .whitespaces).prefix(200))" }.joined(separator: "\n")
        return status + (text.isEmpty ? "" : "; it said:\n" + text)
    }

    /// Whether the broker serves a new session (resolve and a sync) within `timeout`.
    func serves(timeout: TimeInterval = 10) -> Bool {
        guard isAlive, let peer = try? Peer.tcp(port: port, timeout: timeout),
              let ds = try? peer.resolve(timeout: timeout), (try? peer.sync(ds, timeout: timeout)) != nil
        else { return false }
        return true
    }

    /// Standard-error lines at warning level or above since `mark` (see ChildProcess).
    func warnings(since mark: Int) -> [String] {
        process.errorLines(since: mark).filter { line in
            [" warning ", " error ", " critical "].contains { line.contains($0) }
        }
    }

    /// SIGTERM, then SIGKILL if it has not gone after `grace` seconds.
    func stop(grace: TimeInterval = 3) {
        process.signal(SIGTERM)
        if !process.waitForExit(timeout: grace) { process.kill() }
        Self.unregister(self)
    }

    /// Waits until the broker's CPU use falls below `rate` CPU-s/s (measured over 0.25 s), at
    /// most `timeout` seconds; true if it did.
    @discardableResult
    func waitUntilQuiet(rate: Double = 0.1, timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        repeat {
            let before = cpuSeconds
            Thread.sleep(forTimeInterval: 0.25)
            if !isAlive { return true }
            if (cpuSeconds - before) / 0.25 < rate { return true }
        } while Date() < deadline
        return false
    }

    // MARK: Every broker started, so that an early exit can kill them.

    nonisolated(unsafe) private static var live: [ObjectIdentifier: Broker] = [:]
    private static let lock = NSLock()

    private static func register(_ broker: Broker) { lock.withLock { live[ObjectIdentifier(broker)] = broker } }
    private static func unregister(_ broker: Broker) { lock.withLock { _ = live.removeValue(forKey: ObjectIdentifier(broker)) } }

    static func killAll() {
        let all = lock.withLock { Array(live.values) }
        for broker in all { broker.process.kill() }
    }
}

/// Samples a broker's RSS on a thread of its own, keeping the peak and the series.
final class RSSSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [(time: Double, mib: Double)] = []
    private var stopped = false
    private let broker: Broker
    private let start = Date()

    init(_ broker: Broker, every interval: TimeInterval = 0.1) {
        self.broker = broker
        Thread { [self] in
            while !lock.withLock({ stopped }) {
                let mib = broker.residentMiB
                lock.withLock { samples.append((Date().timeIntervalSince(start), mib)) }
                Thread.sleep(forTimeInterval: interval)
            }
        }.start()
    }

    var peakMiB: Double { lock.withLock { samples.map(\.mib).max() ?? 0 } }

    func stop() { lock.withLock { stopped = true } }
}

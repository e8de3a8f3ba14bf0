import Foundation

/// A process started by a benchmark or the stress suite (a broker, a client role,
/// redis-server), whose output lines are collected as they arrive. It is killed when the
/// caller is done with it (or when this object goes away).
public final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    private let errors: Pipe?
    private let condition = NSCondition()
    private var lines: [String] = []
    private var errorLines: [String] = []
    /// Lines dropped from the front of `errorLines`.
    private var errorLinesDropped = 0
    /// Standard-error lines kept (the oldest are dropped past this): a busy broker logs a line
    /// per session.
    public static let maxErrorLines = 20_000

    /// Starts `executable`. Standard error is collected too when `captureStandardError` is set
    /// (see ``errorOutput``); otherwise it is discarded.
    public init(_ executable: String, _ arguments: [String], captureStandardError: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        errors = captureStandardError ? Pipe() : nil
        process.standardError = errors ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        startReader(output.fileHandleForReading) { [self] line in
            lines.append(line)
        }
        if let errors {
            startReader(errors.fileHandleForReading) { [self] line in
                errorLines.append(line)
                if errorLines.count > Self.maxErrorLines {
                    let drop = errorLines.count / 2
                    errorLines.removeFirst(drop)
                    errorLinesDropped += drop
                }
            }
        }
    }

    /// Reads `handle` line by line on a thread of its own; `store` runs under the lock.
    private func startReader(_ handle: FileHandle, _ store: @escaping @Sendable (String) -> Void) {
        let condition = self.condition
        Thread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    condition.lock()
                    store(line)
                    condition.broadcast()
                    condition.unlock()
                }
            }
            condition.lock()
            if !pending.isEmpty { store(String(decoding: pending, as: UTF8.self)) }
            condition.broadcast()
            condition.unlock()
        }.start()
    }

    public var pid: Int32 { process.processIdentifier }

    public var isRunning: Bool { process.isRunning }

    /// Waits until `count` lines of standard output satisfying `predicate` have arrived (or
    /// `timeout` passes) and returns those lines.
    public func waitForLines(_ count: Int, timeout: TimeInterval, where predicate: (String) -> Bool) -> [String] {
        waitFor(timeout: timeout) { $0.lines.filter(predicate) } until: { $0.count >= count }
    }

    /// Waits until a line of standard error satisfying `predicate` has arrived (or `timeout`
    /// passes) and returns it.
    /// Only lines after `mark` (an earlier ``errorLineCount``) count.
    public func waitForErrorLine(since mark: Int = 0, timeout: TimeInterval, where predicate: (String) -> Bool) -> String? {
        waitFor(timeout: timeout) {
            $0.errorLines.dropFirst(max(0, mark - $0.errorLinesDropped)).first(where: predicate)
        } until: { $0 != nil }
    }

    private func waitFor<T>(timeout: TimeInterval, _ look: (ChildProcess) -> T, until done: (T) -> Bool) -> T {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let found = look(self)
            if done(found) || !condition.wait(until: deadline) { return look(self) }
        }
    }

    /// The standard-error lines collected so far (the newest ``maxErrorLines`` or so).
    public var errorOutput: [String] {
        condition.lock()
        defer { condition.unlock() }
        return errorLines
    }

    /// How many standard-error lines have arrived so far (a mark for ``errorLines(since:)``).
    public var errorLineCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return errorLinesDropped + errorLines.count
    }

    /// The standard-error lines that arrived after `mark` (an earlier ``errorLineCount``),
    /// as far as they are still kept.
    public func errorLines(since mark: Int) -> [String] {
        condition.lock()
        defer { condition.unlock() }
        return Array(errorLines.dropFirst(max(0, mark - errorLinesDropped)))
    }

    /// Resident memory in KiB, from /proc (Linux).
    public var residentKiB: Int? { ProcStats.read(pid: pid)?.residentKiB }

    /// User plus system CPU time so far, in seconds, from /proc (Linux).
    public var cpuSeconds: Double? { ProcStats.read(pid: pid)?.cpuSeconds }

    /// Sends `signal` to the process.
    public func signal(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// Waits at most `timeout` for the process to exit; true if it has.
    public func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// How the process ended: `exit N` or `signal N (NAME)`; nil while it runs.
    public var termination: String? {
        if process.isRunning { return nil }
        switch process.terminationReason {
        case .exit: return "exit \(process.terminationStatus)"
        case .uncaughtSignal:
            let name = strsignal(process.terminationStatus).map { String(cString: $0) } ?? "?"
            return "signal \(process.terminationStatus) (\(name))"
        @unknown default: return "status \(process.terminationStatus)"
        }
    }

    /// The exit status when the process exited normally; nil if it runs or died of a signal.
    public var exitStatus: Int32? {
        if process.isRunning || process.terminationReason != .exit { return nil }
        return process.terminationStatus
    }

    public func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { kill() }
}

/// Readings of another process from /proc (Linux).
public struct ProcStats: Sendable {
    /// VmRSS of /proc/PID/status.
    public var residentKiB: Int
    /// utime + stime of /proc/PID/stat.
    public var cpuSeconds: Double

    public static func read(pid: Int32) -> ProcStats? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        else { return nil }
        var rss: Int?
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            rss = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcStats(residentKiB: rss ?? 0, cpuSeconds: (utime + stime) / ticks)
    }
}

/// A free TCP port on loopback (bound, read back, released).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A blocking TCP connection to loopback, for the Redis clients and idle connections. Used by
/// one thread at a time (a reader thread only reads).
public final class BlockingSocket: @unchecked Sendable {
    public let fd: Int32

    public init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if status != 0 { close(fd); return nil }
    }

    deinit { close(fd) }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads what is available (blocking until something is); empty at end of stream.
    public func read(into buffer: inout [UInt8]) -> Int {
        buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    }
}

import Foundation

/// A running program whose standard output is read line by line while it runs, and whose
/// standard input can be written: for driving peers (e.g. the Python client) from tests.
/// Output is read on a thread of its own; waits are bounded by timeouts.
public final class InteractiveProcess: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let condition = NSCondition()
    private var lines: [String] = []
    private var finished = false

    /// `includeStandardError` merges the program's standard error into the lines read;
    /// `directory` is the program's working directory (default: this process's).
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                includeStandardError: Bool = false, directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = includeStandardError ? output : FileHandle.nullDevice
        try process.run()
        let handle = output.fileHandleForReading
        Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    condition.lock()
                    lines.append(line)
                    condition.broadcast()
                    condition.unlock()
                }
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }.start()
    }

    /// The program's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Every line printed so far.
    public var transcript: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    /// Waits until a line satisfying `predicate` has been printed; returns it, or `nil` on
    /// timeout or when the program's output ends first.
    public func waitForLine(timeout: TimeInterval = 60, where predicate: @escaping @Sendable (String) -> Bool) async -> String? {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                let deadline = Date(timeIntervalSinceNow: timeout)
                condition.lock()
                var found: String?
                while true {
                    if let line = lines.first(where: predicate) { found = line; break }
                    if finished || !condition.wait(until: deadline) { break }
                }
                condition.unlock()
                continuation.resume(returning: found)
            }.start()
        }
    }

    /// Waits until `count` lines satisfying `predicate` have been printed; `false` on timeout or
    /// when the program's output ends first.
    public func waitForLines(_ count: Int, timeout: TimeInterval = 60, where predicate: @escaping @Sendable (String) -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                let deadline = Date(timeIntervalSinceNow: timeout)
                condition.lock()
                var enough = false
                while true {
                    if lines.lazy.filter(predicate).count >= count { enough = true; break }
                    if finished || !condition.wait(until: deadline) { break }
                }
                condition.unlock()
                continuation.resume(returning: enough)
            }.start()
        }
    }

    /// Waits for the exact line `line`.
    public func waitFor(_ line: String, timeout: TimeInterval = 60) async -> Bool {
        await waitForLine(timeout: timeout) { $0 == line } != nil
    }

    /// Writes `line` and a newline to the program's standard input.
    public func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Kills the program with SIGKILL, as a crash would.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Sends the program a signal (SIGTERM, SIGINT…).
    public func signal(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// Waits for the program to exit and returns its status. Once it has exited, its remaining
    /// output is read too (briefly bounded), so ``transcript`` then holds everything it printed.
    public func exitStatus(timeout: TimeInterval = 60) async -> Int32? {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                let deadline = Date(timeIntervalSinceNow: timeout)
                while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
                if !process.isRunning {
                    let drained = Date(timeIntervalSinceNow: 5)
                    condition.lock()
                    while !finished && condition.wait(until: drained) {}
                    condition.unlock()
                }
                continuation.resume(returning: process.isRunning ? nil : process.terminationStatus)
            }.start()
        }
    }

    deinit {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

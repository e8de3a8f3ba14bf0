import Foundation

/// Lines recorded by actors under test, with bounded waits for the ones a test expects.
final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []

    func record(_ line: String) {
        condition.lock()
        lines.append(line)
        condition.broadcast()
        condition.unlock()
    }

    var all: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    /// Waits (on a thread of its own) until `line` has been recorded.
    func waitFor(_ line: String, timeout: TimeInterval = 60) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                let deadline = Date(timeIntervalSinceNow: timeout)
                condition.lock()
                var found = lines.contains(line)
                while !found && condition.wait(until: deadline) { found = lines.contains(line) }
                condition.unlock()
                continuation.resume(returning: found)
            }.start()
        }
    }
}

import Foundation

/// Collects listener ports as they come up, for ``SyndicateBroker/listeningPorts(count:timeout:)``.
final class PortCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let expected: Int
    private var ports: [Int] = []
    private var waiter: CheckedContinuation<[Int], any Error>?

    init(expected: Int) { self.expected = expected }

    func add(_ port: Int) {
        let done = lock.withLock { () -> (CheckedContinuation<[Int], any Error>, [Int])? in
            if !ports.contains(port) { ports.append(port) }
            guard ports.count >= expected, let waiter else { return nil }
            self.waiter = nil
            return (waiter, ports)
        }
        if let (waiter, ports) = done { waiter.resume(returning: ports) }
    }

    func wait(timeout: Duration) async throws -> [Int] {
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.timeOut()
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let ready = lock.withLock { () -> [Int]? in
                if ports.count >= expected { return ports }
                waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func timeOut() {
        let waiter = lock.withLock { () -> CheckedContinuation<[Int], any Error>? in
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume(throwing: CancellationError())
    }
}

import NIOConcurrencyHelpers

/// A value that is settled at most once and awaited by any number of tasks: the first
/// `settle` wins, later ones are ignored, and waiters that arrive after it get the value at once.
///
/// It bridges callbacks (a process's termination handler, a session's first turn) to `async` code.
package final class SettledOnce<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }
    // A pthread lock (NIOLockedValueBox) rather than Synchronization.Mutex, so ThreadSanitizer checks it.
    private let state = NIOLockedValueBox(State())

    package init() {}

    /// Settles the value if nothing has yet; returns whether this call did.
    @discardableResult
    package func settle(_ value: Value) -> Bool {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Value, Never>]? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: value) }
        return true
    }

    /// The value once it is settled.
    package func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Value? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The value if it is settled already.
    package var settledValue: Value? { state.withLockedValue { $0.value } }
}

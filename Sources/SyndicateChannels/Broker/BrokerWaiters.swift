/// The tasks suspended in a broker engine: waiting for its peers to change (a join, a leave, a
/// refusal, a presence) or for credit on one link. Kept in the engine's locked state. Each
/// waiter is resumed exactly once, by whoever takes it out first: a wake, its deadline, its
/// task's cancellation or the engine's end. Continuations are resumed outside the lock.
struct BrokerWaiters {
    enum Reason: Equatable {
        case change
        case credit(link: UInt64)
    }

    private var waiting: [UInt64: (reason: Reason, continuation: CheckedContinuation<Void, Never>)] = [:]

    mutating func add(_ id: UInt64, for reason: Reason, _ continuation: CheckedContinuation<Void, Never>) {
        waiting[id] = (reason, continuation)
    }

    /// The waiter `id`, if it is still waiting.
    mutating func remove(_ id: UInt64) -> CheckedContinuation<Void, Never>? {
        waiting.removeValue(forKey: id)?.continuation
    }

    /// Every waiter waiting for `reason`.
    mutating func take(_ reason: Reason) -> [CheckedContinuation<Void, Never>] {
        var taken: [CheckedContinuation<Void, Never>] = []
        for (id, waiter) in waiting where waiter.reason == reason {
            taken.append(waiter.continuation)
            waiting[id] = nil
        }
        return taken
    }

    /// Every waiter waiting for `reason` or for the peers to change.
    mutating func take(_ reason: Reason, orChange: Bool) -> [CheckedContinuation<Void, Never>] {
        orChange ? take(reason) + take(.change) : take(reason)
    }

    /// Every waiter.
    mutating func takeAll() -> [CheckedContinuation<Void, Never>] {
        defer { waiting = [:] }
        return waiting.values.map(\.continuation)
    }
}

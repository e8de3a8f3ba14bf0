/// The subscribers to a primitive's joins and leaves: every subscriber gets every event from
/// when it subscribed. Kept inside an engine's locked state, so that a new subscription's
/// snapshot of the peers present and the events after it neither overlap nor leave a gap.
struct PeerEventSubscribers {
    private var continuations: [UInt64: AsyncStream<PeerEvent>.Continuation] = [:]
    private var nextID: UInt64 = 0
    private(set) var finished = false

    /// Events buffered per subscriber before the oldest are dropped (a subscriber that never
    /// reads costs at most this much).
    static let buffer = 4096

    /// A new subscription that starts with a `.joined` for each of `present`, then gets every
    /// event yielded after this call. `remove` is called (from any thread) when it ends.
    mutating func subscribe(present: [Peer], remove: @escaping @Sendable (UInt64) -> Void) -> AsyncStream<PeerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PeerEvent.self, bufferingPolicy: .bufferingNewest(Self.buffer))
        for peer in present { continuation.yield(.joined(peer)) }
        if finished {
            continuation.finish()
            return stream
        }
        nextID += 1
        let id = nextID
        continuations[id] = continuation
        continuation.onTermination = { _ in remove(id) }
        return stream
    }

    mutating func remove(_ id: UInt64) { continuations[id] = nil }

    func yield(_ event: PeerEvent) {
        for continuation in continuations.values { continuation.yield(event) }
    }

    /// Ends every subscription; later ones end at once (after their snapshot).
    mutating func finish() -> [AsyncStream<PeerEvent>.Continuation] {
        finished = true
        defer { continuations = [:] }
        return Array(continuations.values)
    }
}

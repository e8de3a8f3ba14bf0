import Synchronization

/// Process-wide counts of what the runtime does, for metrics: cheap relaxed atomics, read when
/// metrics are scraped.
public enum RuntimeStatistics {
    private static let turnCount = Atomic<Int>(0)
    private static let messageCount = Atomic<Int>(0)
    private static let assertionCount = Atomic<Int>(0)

    /// Turns run by every actor so far.
    public static var turns: Int { turnCount.load(ordering: .relaxed) }
    /// Messages routed by dataspaces so far.
    public static var messages: Int { messageCount.load(ordering: .relaxed) }
    /// Distinct assertions held by dataspaces now.
    public static var assertionsHeld: Int { assertionCount.load(ordering: .relaxed) }

    @inline(__always) static func turnRun() { turnCount.wrappingAdd(1, ordering: .relaxed) }
    @inline(__always) static func messageRouted() { messageCount.wrappingAdd(1, ordering: .relaxed) }
    @inline(__always) static func assertionsChanged(by delta: Int) { assertionCount.wrappingAdd(delta, ordering: .relaxed) }
}

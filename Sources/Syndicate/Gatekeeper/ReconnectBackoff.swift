/// How long to wait before reconnecting a link that failed or was lost: exponential backoff,
/// bounded, reset by a success.
///
/// The first retry waits ``initial``; each failure after it doubles the wait, up to ``maximum``.
/// A connection that comes up resets it, so the next loss is retried quickly again.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The wait after the first failure.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration
    private var next: Duration

    /// 0.1 s doubling to 30 s by default.
    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.next = initial
    }

    /// A connection attempt failed or a link was lost: the wait before the next attempt.
    public mutating func failed() -> Duration {
        let delay = next
        next = min(next * 2, maximum)
        return delay
    }

    /// A connection came up: the next failure waits ``initial`` again.
    public mutating func succeeded() {
        next = initial
    }
}

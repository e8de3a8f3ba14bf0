import Preserves

/// Keeps a child actor running: restarts it when it fails (or whenever it ends, under the
/// `.always` policy), unless it fails more often than the restart intensity allows.
///
/// ```swift
/// Supervisor.start(turn, name: "worker", policy: .onErrorOnly, maxRestarts: 3, within: .seconds(5)) { turn in
///     // boot the worker
/// }
/// ```
public final class Supervisor {
    public enum Policy: Sendable {
        /// Restart after any exit.
        case always
        /// Restart after errors; a normal exit completes supervision.
        case onErrorOnly
    }

    public enum State: Sendable, Hashable {
        case started
        case restarting(attempt: Int)
        /// The child ended normally under `.onErrorOnly`.
        case complete
        /// The child failed more often than allowed; supervision stopped.
        case failed(ExitStatus)
    }

    let name: String
    let policy: Policy
    let maxRestarts: Int
    let period: Duration
    let boot: @Sendable (Turn) throws -> Void
    let onState: (Turn, State) -> Void
    var child: SyndicateActor?
    var restarts: [ContinuousClock.Instant] = []
    var attempt = 0

    init(name: String, policy: Policy, maxRestarts: Int, period: Duration,
         boot: @escaping @Sendable (Turn) throws -> Void, onState: @escaping (Turn, State) -> Void) {
        self.name = name
        self.policy = policy
        self.maxRestarts = maxRestarts
        self.period = period
        self.boot = boot
        self.onState = onState
    }

    /// Starts supervising in a new facet of the current actor; stopping that facet stops the child.
    @discardableResult
    public static func start(
        _ turn: Turn, name: String, policy: Policy = .onErrorOnly, maxRestarts: Int = 1, within period: Duration = .seconds(5),
        onState: @escaping (Turn, State) -> Void = { _, _ in },
        _ boot: @escaping @Sendable (Turn) throws -> Void
    ) -> FacetID {
        let supervisor = Supervisor(name: name, policy: policy, maxRestarts: maxRestarts, period: period, boot: boot, onState: onState)
        return turn.facet { turn in
            turn.onStop { _ in supervisor.child?.run { $0.stopActor() } }
            supervisor.startChild(turn)
        }
    }

    func startChild(_ turn: Turn) {
        let child = turn.spawn(name: name, boot)
        self.child = child
        onState(turn, attempt == 0 ? .started : .restarting(attempt: attempt))
        // The linked task holds the facet open while the child runs.
        let me = ActorConfined(self, owner: turn.actor)
        turn.linkedTask { facet in
            let status = await child.terminated()
            facet.activate { turn in me.get(in: turn).childEnded(turn, status) }
        }
    }

    func childEnded(_ turn: Turn, _ status: ExitStatus) {
        if case .normal = status, case .onErrorOnly = policy {
            onState(turn, .complete)
            turn.stop()
            return
        }
        let now = ContinuousClock.now
        restarts = restarts.filter { now - $0 < period } + [now]
        guard restarts.count <= maxRestarts else {
            onState(turn, .failed(status))
            turn.stop()
            return
        }
        attempt += 1
        startChild(turn)
    }
}

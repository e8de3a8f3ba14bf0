import Preserves
import Dispatch
import Synchronization
import Foundation
import SyndicateProtocols

/// A Syndicate actor: a tree of facets whose entities are driven by turns, one at a time.
///
/// Each actor runs on its own serial dispatch queue, which uses a pool thread only while it has
/// work, so actors never need a thread of their own and never run two turns at once. Events from one
/// turn to this actor are enqueued together at commit, so the order between any sender and
/// this actor is preserved. All mutable state below is touched only on `queue`.
public final class SyndicateActor: @unchecked Sendable, CustomStringConvertible {
    public let id: UInt64
    public let name: String
    /// Runs the actor's turns, one at a time.
    public let executor: any ActorExecutor
    /// Batches handed to the executor and not yet handled.
    private let pendingBatches = Atomic<Int>(0)
    /// How many events the last batch handed to this actor held: senders size their next
    /// batch for it by this (a hint; any thread may write it).
    private let lastBatchSize = Atomic<Int>(0)
    var lastBatchSizeHint: Int { lastBatchSize.load(ordering: .relaxed) }

    // Confined to the executor:
    var root: Facet
    var facets: [FacetID: Facet] = [:]
    var outbound: [Handle: OutboundAssertion] = [:]
    var exitHooks: [(Turn) -> Void] = []
    let dataflow = DataflowGraph()
    var isTerminated = false
    var nextTaskID: UInt64 = 0

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let exitLock = NSLock()
    private var exitState: (status: ExitStatus?, waiters: [CheckedContinuation<ExitStatus, Never>]) = (nil, [])

    init(name: String, executor: (any ActorExecutor)? = nil) {
        self.id = IDs.next()
        self.name = name
        self.executor = executor ?? DispatchQueueExecutor(label: "syndicate.actor.\(name)")
        let root = Facet(id: .fresh(), parent: nil)
        self.root = root
        facets[root.id] = root
    }

    public var description: String { "actor \(name)#\(id)" }

    /// Starts a new actor whose root facet runs `boot` in the actor's first turn.
    @discardableResult
    public static func boot(
        name: String = "actor", executor: (any ActorExecutor)? = nil, _ boot: @escaping @Sendable (Turn) throws -> Void
    ) -> SyndicateActor {
        let actor = SyndicateActor(name: name, executor: executor)
        if TurnTracing.isOn { TurnTracing.started(actor) }
        actor.enqueue([.action(actor.root.id, boot)])
        return actor
    }

    /// Runs `action` in a turn of this actor, in its root facet.
    public func run(_ action: @escaping @Sendable (Turn) throws -> Void) {
        enqueue([.action(root.id, action)])
    }

    /// Waits until the actor has terminated.
    public func terminated() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            let status = exitLock.withLock { () -> ExitStatus? in
                if let s = exitState.status { return s }
                exitState.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// The exit status, once terminated.
    public var exitStatus: ExitStatus? { exitLock.withLock { exitState.status } }

    func assertOnExecutor() {
        assert(executor.isCurrent, "entity used off its actor's executor")
    }

    // MARK: Delivery

    /// Hands a batch of events to this actor; they are handled in one turn, in order. A loan
    /// is charged to its account until the batch has been handled, and the turn handling it
    /// charges what it sends on to the same account.
    func enqueue(_ events: [Event], loan: Loan? = nil) {
        loan?.account.borrow(loan!.cost)
        pendingBatches.add(1, ordering: .relaxed)
        lastBatchSize.store(events.count, ordering: .relaxed)
        executor.execute {
            self.handle(events, loan: loan)
            self.pendingBatches.subtract(1, ordering: .releasing)
            if let loan { loan.account.repay(loan.cost) }
        }
    }

    /// Runs `action` in a turn at once if the caller is on this actor's executor and nothing
    /// else is waiting for it (so no ordering can change); otherwise enqueues it. Used by I/O
    /// that shares the actor's thread, to save a trip through the executor's queue. What the
    /// turn causes is charged to `loan`'s account (see ``Account``).
    public func runNowOrEnqueue(loan: Loan? = nil, _ action: @escaping @Sendable (Turn) throws -> Void) {
        if executor.isCurrent && pendingBatches.load(ordering: .acquiring) == 0 {
            handle([.action(root.id, action)], loan: loan)
        } else {
            enqueue([.action(root.id, action)], loan: loan)
        }
    }

    private func handle(_ events: [Event], loan: Loan?) {
        guard !isTerminated else { return releaseAfterTermination(events) }
        runTurn(in: root, loan: loan) { turn in
            if turn.traceActions != nil {
                turn.traceActions! += events.compactMap { TurnTracing.describe($0).map { .dequeue(event: $0) } }
            }
            // By index, not `for event in events`: the iterator would copy every event out
            // (a retain and release of each payload) where a subscript read can borrow it.
            for i in events.indices {
                switch events[i] {
                case .assert(let target, let value, let handle):
                    guard turn.enter(target.facet) else { continue }
                    try target.entityOnActor().onAssert(turn, value, handle)
                case .retract(let target, let handle):
                    // An entity whose facet has stopped still hears retractions, so it can
                    // let go of what it holds (a dataspace, of an observer in the same facet:
                    // otherwise the two keep each other alive). What it asserts or creates
                    // then has no effect (see Turn.enterStopped).
                    if !turn.enter(target.facet) { turn.enterStopped(target.facet) }
                    try target.entityOnActor().onRetract(turn, handle)
                case .message(let target, let value):
                    guard turn.enter(target.facet) else { continue }
                    try target.entityOnActor().onMessage(turn, value)
                case .sync(let target, let peer):
                    guard turn.enter(target.facet) else { continue }
                    try target.entityOnActor().onSync(turn, peer: peer)
                case .action(let facetID, let action):
                    guard let facet = liveFacet(facetID), turn.enter(facet) else { continue }
                    try action(turn)
                case .localAction(let facetID, let action):
                    guard let facet = liveFacet(facetID), turn.enter(facet) else { continue }
                    try action.get(in: turn)(turn)
                }
            }
        }
    }

    /// A terminated actor still delivers retractions to its own entities, in their stopped
    /// facets, so that they let go of what they hold: the actor's last retractions (made by
    /// `terminate`) reach its own dataspaces this way, and a dataspace holding an observer whose
    /// handler holds the dataspace's ref would otherwise keep both alive for good. Nothing the
    /// entities do in response is published: the actor has no effects any more.
    private func releaseAfterTermination(_ events: [Event]) {
        let turn = Turn(actor: self, facet: root)
        for i in events.indices {
            guard case .retract(let target, let handle) = events[i] else { continue }
            turn.enterStopped(target.facet)
            try? target.entityOnActor().onRetract(turn, handle)
        }
    }

    func liveFacet(_ id: FacetID) -> Facet? {
        guard let f = facets[id], f.isAlive else { return nil }
        return f
    }

    // MARK: Turns

    /// Runs one turn: `body`, then commit; an error rolls the turn back and ends the actor.
    func runTurn(in facet: Facet, loan: Loan? = nil, _ body: (Turn) throws -> Void) {
        RuntimeStatistics.turnRun()
        let turn = Turn(actor: self, facet: facet, loan: loan)
        if TurnTracing.isOn { turn.traceActions = [] }
        do {
            try body(turn)
            try turn.commit()
            if let actions = turn.traceActions { TurnTracing.turn(self, actions) }
        } catch {
            turn.rollback()
            terminate(with: .error(String(describing: error)))
            return
        }
        if !root.isAlive { terminate(with: .normal) }
    }

    /// Ends the actor: retracts what it still asserts, cancels its tasks, runs exit hooks.
    func terminate(with status: ExitStatus) {
        guard !isTerminated else { return }
        isTerminated = true
        let turn = Turn(actor: self, facet: root)
        // After an error no stop actions run; every remaining assertion is withdrawn.
        for facet in facets.values {
            facet.isAlive = false
            facet.stopActions = []
            for task in facet.linkedTasks.values { task.cancel() }
            facet.linkedTasks.removeAll()
        }
        for handle in outbound.keys.sorted(by: >) { turn.retractOutbound(handle) }
        for hook in exitHooks { hook(turn) }
        turn.publish()
        facets.removeAll()
        dataflow.removeAll()
        let waiters = exitLock.withLock { () -> [CheckedContinuation<ExitStatus, Never>] in
            exitState.status = status
            defer { exitState.waiters = [] }
            return exitState.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
        if TurnTracing.isOn { TurnTracing.stopped(self, status) }
    }
}

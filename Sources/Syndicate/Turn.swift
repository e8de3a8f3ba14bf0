import Preserves
import SyndicateProtocols
/// The context of one turn of one actor: everything an entity or handler does happens through
/// a `Turn`, and nothing it does is visible to anyone until the turn commits.
///
/// A turn is created by the runtime and is valid only during the call it is passed to; it
/// must not be stored or used from another task.
public final class Turn {
    public let actor: SyndicateActor
    /// The facet new assertions, entities and child facets belong to.
    /// (Unchecked, as `outbox`: read and set for every event, by this turn's code only.)
    @exclusivity(unchecked) var facet: Facet

    /// Events for other actors, per target, in order of first use.
    /// (Not checked for exclusivity at run time: it is touched once per event sent, and only by
    /// `send`, `publish` and `rollback`, none of which calls out while modifying it.)
    @exclusivity(unchecked) private var outbox: [(target: SyndicateActor, events: [Event])] = []
    @exclusivity(unchecked) var preCommitActions: [(Turn) throws -> Void] = []
    private var rollbackActions: [() -> Void] = []
    private var spawned: [(SyndicateActor, @Sendable (Turn) throws -> Void)] = []

    /// The account and cost of the work that caused this turn, charged again to everything the
    /// turn sends (see ``Account``); `nil` for work of local origin.
    public let loan: Loan?

    init(actor: SyndicateActor, facet: Facet, loan: Loan? = nil) {
        self.actor = actor
        self.facet = facet
        self.loan = loan
    }

    /// Makes a stopped facet the active one, to deliver a retraction to one of its entities.
    /// Assertions and facets made there are ignored.
    func enterStopped(_ target: Facet) {
        facet = target
    }

    /// The facet this turn is acting in.
    public var activeFacet: FacetID { facet.id }

    /// What the turn did, for the trace (nil unless tracing is on).
    @exclusivity(unchecked) var traceActions: [Trace.ActionDescription<IOEmbedded>]?

    /// Makes `target` the active facet, if it is still alive (events for a stopped facet are dropped).
    @inline(__always)
    func enter(_ target: Facet) -> Bool {
        guard target.isAlive else { return false }
        if target !== facet { facet = target }
        return true
    }

    // MARK: Assertions and messages

    /// Asserts `value` to `ref` until retracted, or until the current facet stops.
    @discardableResult
    public func assert(_ ref: Ref, _ value: AnyValue) -> Handle {
        let handle = Handle.fresh()
        guard facet.isAlive, let value = Attenuation.apply(ref.attenuation, to: value) else { return handle }
        let target = ref.underlying
        actor.outbound[handle] = OutboundAssertion(target: target, facet: facet.id)
        facet.outboundHandles.insert(handle)
        let facet = self.facet
        rollbackActions.append { [actor] in
            actor.outbound[handle] = nil
            facet.outboundHandles.remove(handle)
        }
        send(to: target.actor, .assert(target, value, handle))
        return handle
    }

    /// Withdraws an assertion made by this actor. Unknown handles are ignored.
    public func retract(_ handle: Handle) {
        retractOutbound(handle)
    }

    func retractOutbound(_ handle: Handle) {
        guard let assertion = actor.outbound.removeValue(forKey: handle) else { return }
        actor.outbound.shrinkIfSparse()
        let facet = actor.facets[assertion.facet]
        facet?.outboundHandles.remove(handle)
        facet?.outboundHandles.shrinkIfSparse()
        rollbackActions.append { [actor] in
            actor.outbound[handle] = assertion
            facet?.outboundHandles.insert(handle)
        }
        // Same target actor as the assertion: the retraction can never overtake it.
        send(to: assertion.target.actor, .retract(assertion.target, handle))
    }

    /// Replaces the assertion under `handle` (if any) by `value` (if any), asserting the new
    /// value before retracting the old so observers see no gap.
    @discardableResult
    public func replace(_ handle: Handle?, _ ref: Ref, _ value: AnyValue?) -> Handle? {
        let new = value.map { assert(ref, $0) }
        if let handle { retract(handle) }
        return new
    }

    /// Sends `value` to `ref` as a message.
    public func message(_ ref: Ref, _ value: AnyValue) {
        let target = ref.underlying
        if ref.attenuation.isEmpty {
            send(to: target.actor, .message(target, value))
            return
        }
        guard let value = Attenuation.apply(ref.attenuation, to: value) else { return }
        send(to: target.actor, .message(target, value))
    }

    /// Runs `then` once `ref` has handled everything this actor sent it before.
    public func sync(_ ref: Ref, _ then: @escaping (Turn) throws -> Void) {
        let peer = self.ref(SyncPeer(then))
        send(to: ref.underlying.actor, .sync(ref.underlying, peer))
    }

    /// Buffers `event` for `target` (taken, not copied: callers build it in place).
    func send(to target: SyndicateActor, _ event: consuming Event) {
        if traceActions != nil, let described = TurnTracing.describe(event) { traceActions!.append(.enqueue(event: described)) }
        // Turns usually talk to one or two actors; check the most recent first.
        var i = outbox.count - 1
        while i >= 0 && outbox[i].target !== target { i -= 1 }
        if i >= 0 {
            outbox[i].events.append(event)
        } else {
            // Sized like the target's last batch, so a turn that sends it as much again (a
            // dataspace forwarding a packet's messages) does not regrow the array step by step.
            var events: [Event] = []
            events.reserveCapacity(min(max(target.lastBatchSizeHint, 1), 1024))
            events.append(event)
            outbox.append((target, events))
        }
    }

    // MARK: Entities

    /// A reference to `entity`, which lives in the current facet from now on.
    public func ref(_ entity: some Entity) -> Ref {
        facet.entityCount += 1
        return Ref(underlying: Underlying(actor: actor, facet: facet, entity: entity))
    }

    // MARK: Facets

    /// Creates a child of the current facet and runs `boot` in it. If nothing then keeps the
    /// new facet alive (assertions, entities, children, tasks), it is stopped at commit.
    @discardableResult
    public func facet(_ boot: (Turn) throws -> Void) rethrows -> FacetID {
        let parent = facet
        guard parent.isAlive else { return .fresh() }
        let child = Facet(id: .fresh(), parent: parent)
        parent.children[child.id] = child
        actor.facets[child.id] = child
        rollbackActions.append { [actor] in
            parent.children[child.id] = nil
            actor.facets[child.id] = nil
        }
        facet = child
        defer { facet = parent }
        try boot(self)
        scheduleInertCheck(child)
        return child.id
    }

    /// Runs `body` with `id` (a live facet of this actor) as the active facet, so what it
    /// asserts and creates belongs to that facet; returns nil, running nothing, if that facet
    /// has stopped. For state kept by a facet but changed from handlers in its children.
    @discardableResult
    public func inFacet<R>(_ id: FacetID, _ body: (Turn) throws -> R) rethrows -> R? {
        guard let target = actor.facets[id], target.isAlive else { return nil }
        let previous = facet
        facet = target
        defer { facet = previous }
        return try body(self)
    }

    /// Stops a facet (by default the current one): its children stop first, then its stop
    /// actions run, then its assertions are retracted. A parent left inert stops too.
    public func stop(_ id: FacetID? = nil) {
        guard let target = actor.facets[id ?? facet.id] else { return }
        stopFacet(target)
    }

    /// Stops the actor's root facet, which ends the actor normally after this turn.
    public func stopActor() {
        stopFacet(actor.root)
    }

    /// Ends this turn with an error: nothing it did takes effect and the actor terminates.
    public func fail(_ reason: String) throws -> Never {
        throw TurnFailure(reason)
    }

    /// Registers an action to run when the current facet stops.
    public func onStop(_ action: @escaping (Turn) throws -> Void) {
        facet.stopActions.append(action)
    }

    /// Registers an action to run when the actor terminates, whatever the reason.
    public func onExit(_ hook: @escaping (Turn) -> Void) {
        actor.exitHooks.append(hook)
    }

    /// Keeps the current facet from being stopped as inert until the returned closure is called.
    public func preventInertCheck() -> () -> Void {
        let facet = self.facet
        facet.inertCheckPreventers += 1
        var armed = true
        return {
            if armed {
                armed = false
                facet.inertCheckPreventers -= 1
            }
        }
    }

    func scheduleInertCheck(_ facet: Facet) {
        preCommitActions.append { turn in
            if facet.isAlive && facet.isInert { turn.stopFacet(facet) }
        }
    }

    func stopFacet(_ target: Facet) {
        guard target.isAlive else { return }
        target.isAlive = false
        let parent = target.parent
        parent?.children[target.id] = nil
        for child in target.children.values.sorted(by: { $0.id < $1.id }) { stopFacet(child) }
        let saved = facet
        facet = parent ?? target
        // Taken out of the facet first: a stop action often holds refs to the facet's own
        // entities, whose `Underlying` holds the facet, so a stopped facet keeping its actions
        // would keep itself (and all they capture) alive.
        let stopActions = target.stopActions
        target.stopActions = []
        for action in stopActions {
            do {
                try action(self)
            } catch {
                // A failing stop action fails the turn.
                preCommitActions.append { _ in throw error }
            }
        }
        facet = saved
        for handle in target.outboundHandles.sorted() { retractOutbound(handle) }
        for task in target.linkedTasks.values { task.cancel() }
        target.linkedTasks.removeAll()
        actor.facets[target.id] = nil
        actor.dataflow.removeBlocks(of: target.id)
        if let parent, parent.isAlive { scheduleInertCheck(parent) }
    }

    // MARK: Actors

    /// Starts a new actor when this turn commits (not at all if it fails).
    @discardableResult
    public func spawn(name: String = "actor", _ boot: @escaping @Sendable (Turn) throws -> Void) -> SyndicateActor {
        let child = SyndicateActor(name: name)
        spawned.append((child, boot))
        return child
    }

    /// Runs `action` at the end of this turn, after the event being handled and any others
    /// delivered in the same turn, just before the turn's effects are published.
    public func preCommit(_ action: @escaping (Turn) throws -> Void) {
        preCommitActions.append(action)
    }

    /// Runs `action` in a later turn of this actor, in the current facet.
    public func later(_ action: @escaping (Turn) throws -> Void) {
        send(to: actor, .localAction(facet.id, ActorConfined(action, owner: actor)))
    }

    // MARK: Commit

    func commit() throws {
        // Dataflow repair and pre-commit actions (inert checks, relay flushes) until quiet.
        while true {
            var didWork = try actor.dataflow.repair(self)
            if !preCommitActions.isEmpty {
                let actions = preCommitActions
                preCommitActions = []
                for action in actions { try action(self) }
                didWork = true
            }
            if !didWork { break }
        }
        publish()
    }

    /// Sends the buffered events and boots spawned actors.
    func publish() {
        rollbackActions = []
        for (target, events) in outbox { target.enqueue(events, loan: loan) }
        outbox = []
        for (child, boot) in spawned { child.enqueue([.action(child.root.id, boot)]) }
        spawned = []
    }

    func rollback() {
        outbox = []
        spawned = []
        preCommitActions = []
        for undo in rollbackActions.reversed() { undo() }
        rollbackActions = []
    }
}

/// Answers a `sync` by running a continuation, then goes away with its facet.
final class SyncPeer: Entity {
    private var then: ((Turn) throws -> Void)?
    init(_ then: @escaping (Turn) throws -> Void) { self.then = then }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        guard let k = then else { return }
        then = nil
        turn.facet.entityCount -= 1
        try k(turn)
        turn.scheduleInertCheck(turn.facet)
    }
}

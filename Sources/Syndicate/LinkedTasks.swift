import Preserves

/// Re-enters a facet from asynchronous code: a linked task uses it to act in its facet.
public struct FacetActivator: Sendable {
    let actor: SyndicateActor
    let facet: FacetID

    /// Runs `action` in a turn of the facet's actor, in the facet (ignored once it has stopped).
    public func activate(_ action: @escaping @Sendable (Turn) throws -> Void) {
        actor.enqueue([.action(facet, action)])
    }

    /// Runs an action that the facet's own actor created (and may capture its state).
    func activate(_ action: ActorConfined<(Turn) throws -> Void>) {
        actor.enqueue([.localAction(facet, action)])
    }
}

extension Turn {
    /// Starts `body` as a Swift task tied to the current facet: stopping the facet cancels it.
    /// The task acts in the facet through its `FacetActivator`. When it finishes the facet is
    /// checked for inertness; if it throws, the actor terminates with that error.
    public func linkedTask(_ body: @escaping @Sendable (FacetActivator) async throws -> Void) {
        let facet = self.facet
        let actor = self.actor
        actor.nextTaskID += 1
        let taskID = actor.nextTaskID
        let activator = FacetActivator(actor: actor, facet: facet.id)
        let facetID = facet.id
        let task = Task {
            let failure: String?
            do {
                try await body(activator)
                failure = nil
            } catch is CancellationError {
                failure = nil
            } catch {
                failure = String(describing: error)
            }
            actor.enqueue([.action(facetID, { turn in
                guard let facet = turn.actor.liveFacet(facetID) else { return }
                facet.linkedTasks[taskID] = nil
                if let failure { try turn.fail(failure) }
                turn.scheduleInertCheck(facet)
            })])
        }
        facet.linkedTasks[taskID] = task
    }

    /// Runs `operation` as a linked task, then `then` with its result in a turn of the current
    /// facet (unless the facet has stopped). If `operation` throws, the actor terminates.
    public func linkedTask<T: Sendable>(
        producing operation: @escaping @Sendable () async throws -> T,
        then: @escaping (Turn, T) throws -> Void
    ) {
        let then = ActorConfined(then, owner: actor)
        linkedTask { facet in
            let result = try await operation()
            facet.activate(ActorConfined({ turn in try then.get(in: turn)(turn, result) }, owner: facet.actor))
        }
    }

    /// Runs `action` in the current facet after `delay`, unless the facet stops first.
    public func after(_ delay: Duration, _ action: @escaping (Turn) throws -> Void) {
        let action = ActorConfined(action, owner: actor)
        linkedTask { facet in
            try await Task.sleep(for: delay)
            facet.activate(action)
        }
    }

    /// Runs `action` in the current facet every `interval`, until the facet stops.
    public func every(_ interval: Duration, _ action: @escaping (Turn) throws -> Void) {
        let action = ActorConfined(action, owner: actor)
        linkedTask { facet in
            let clock = ContinuousClock()
            var next = clock.now + interval
            while !Task.isCancelled {
                try await Task.sleep(until: next, clock: clock)
                facet.activate(action)
                next += interval
            }
        }
    }

    /// The current facet, for re-entering it from asynchronous code.
    public var activator: FacetActivator { FacetActivator(actor: actor, facet: facet.id) }
}

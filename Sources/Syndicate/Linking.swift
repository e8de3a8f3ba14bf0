import Preserves

/// Stops a facet when the assertion made to it is retracted: one half of a link.
final class StopOnRetract: Entity {
    let facet: FacetID
    init(facet: FacetID) { self.facet = facet }
    func onRetract(_ turn: Turn, _ handle: Handle) throws { turn.stop(facet) }
}

/// Receives the child's half of a link and completes it from the parent's side.
final class LinkSetup: Entity {
    let facet: FacetID
    init(facet: FacetID) { self.facet = facet }
    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        guard case .embedded(let childMonitor) = value.unannotated, let facet = turn.actor.liveFacet(facet) else { return }
        let saved = turn.facet
        turn.facet = facet
        defer { turn.facet = saved }
        turn.assert(childMonitor, .boolean(true))
    }
}

extension Turn {
    /// Spawns an actor linked to the current facet: if the child terminates, the facet stops;
    /// if the facet stops (or this actor terminates), the child stops.
    @discardableResult
    public func spawnLink(name: String = "actor", _ boot: @escaping @Sendable (Turn) throws -> Void) -> SyndicateActor {
        let parentMonitor = ref(StopOnRetract(facet: facet.id))
        let setup = ref(LinkSetup(facet: facet.id))
        return spawn(name: name) { turn in
            turn.assert(parentMonitor, .boolean(true))
            let childMonitor = turn.ref(StopOnRetract(facet: turn.actor.root.id))
            turn.message(setup, .embedded(childMonitor))
            try boot(turn)
        }
    }
}

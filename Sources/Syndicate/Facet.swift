import Preserves
/// A node in an actor's tree of facets: it owns assertions, entities, stop actions, linked
/// tasks and child facets, all of which end when it stops.
final class Facet {
    let id: FacetID
    /// Unowned, not weak: a live facet's parent is always alive (stopping a facet stops its
    /// children first), and weak references would move every facet's reference counts to a
    /// side table, slowing each retain and release on the hot path.
    unowned var parent: Facet?
    var children: [FacetID: Facet] = [:]
    /// Assertions made while this facet was active.
    var outboundHandles: Set<Handle> = []
    /// Run when the facet stops, in its parent's context (the root: its own).
    var stopActions: [(Turn) throws -> Void] = []
    /// Linked tasks, cancelled when the facet stops.
    var linkedTasks: [UInt64: Task<Void, Never>] = [:]
    /// Entities created in this facet; they keep it from being inert.
    var entityCount = 0
    /// Explicit holds on the facet (see `Turn.preventInertCheck`).
    var inertCheckPreventers = 0
    var isAlive = true

    init(id: FacetID, parent: Facet?) {
        self.id = id
        self.parent = parent
    }

    /// Nothing keeps the facet alive: no children, assertions, entities, tasks or holds.
    var isInert: Bool {
        children.isEmpty && outboundHandles.isEmpty && linkedTasks.isEmpty && entityCount == 0 && inertCheckPreventers == 0
    }
}

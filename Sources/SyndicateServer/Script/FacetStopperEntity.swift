import Preserves
import Syndicate

/// The entity behind the `facet` expression: sending it the message `stop` stops the facet
/// the expression was evaluated in (and so retracts everything the script asserted there).
final class FacetStopperEntity: Entity {
    private let facet: FacetID

    init(facet: FacetID) {
        self.facet = facet
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        if value.unannotated == .symbol(Symbol("stop")) { turn.stop(facet) }
    }
}

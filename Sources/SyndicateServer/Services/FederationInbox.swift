import Preserves
import Syndicate
import SyndicateServerSchemas

/// A broker's federation entity, the object peers reach: it accepts
/// `<federated-interest FROM PATTERN #:observer>` assertions (federation.prs) and runs
/// `handler` in a facet per interest, stopped when the peer retracts it (or its link dies).
/// Everything else sent to it is ignored, so a peer learns nothing about other peers.
final class FederationInbox: Entity {
    private let handler: (Turn, Federation.FederatedInterest<Ref>) throws -> Void
    private var facets: [Handle: FacetID] = [:]

    init(_ handler: @escaping (Turn, Federation.FederatedInterest<Ref>) throws -> Void) {
        self.handler = handler
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let interest = try? Federation.FederatedInterest<Ref>(preserves: value) else { return }
        facets[handle] = try turn.facet { turn in
            _ = turn.preventInertCheck()
            try handler(turn, interest)
        }
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        if let facet = facets.removeValue(forKey: handle) { turn.stop(facet) }
    }
}

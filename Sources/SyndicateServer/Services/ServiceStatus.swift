import Preserves
import Syndicate
import SyndicateProtocols

/// The published state of one running service: exactly one `<service-state NAME STATE>` at a
/// time, replaced as the service moves (`started`, `ready`, `failed`, `complete`, or a state of
/// its own), and its `<service-object NAME OBJECT>`s.
///
/// Created in the service's facet; what it asserts belongs to that facet, so everything is
/// withdrawn when the service stops. Used only in turns of the service's actor.
final class ServiceStatus {
    let name: AnyValue
    private let config: Ref
    private let facet: FacetID
    private var stateHandle: Handle?
    private(set) var state: Service.State<Ref>?

    init(_ turn: Turn, name: AnyValue, config: Ref) {
        self.name = name
        self.config = config
        self.facet = turn.activeFacet
    }

    /// Replaces the service's state.
    func set(_ turn: Turn, _ newState: Service.State<Ref>) {
        guard newState != state else { return }
        turn.inFacet(facet) { turn in
            // The old state goes before the new one comes, so no observer ever sees two.
            if let old = stateHandle { turn.retract(old) }
            stateHandle = turn.assert(config, Service.ServiceState<Ref>(serviceName: name, state: newState))
            state = newState
        }
    }

    /// Publishes `object` as a service object until the service stops.
    @discardableResult
    func publish(_ turn: Turn, object: AnyValue) -> Handle? {
        turn.inFacet(facet) { turn in
            turn.assert(config, Service.ServiceObject<Ref>(serviceName: name, object: object))
        }
    }
}

import Preserves
import SyndicateProtocols

extension Turn {
    /// Asks `gatekeeper` for the object `sturdyRef` designates, by asserting
    /// `<resolve sturdyRef #:observer>` (the py-0.19.3 protocol revision).
    ///
    /// When the gatekeeper answers `<accepted #:session>`, `resolved` runs in a new facet with
    /// `session`; that facet stops if the answer is withdrawn. A `<rejected detail>` answer
    /// goes to `rejected` (by default the actor fails, naming the detail). Stopping the
    /// current facet withdraws the request.
    public func resolve(
        _ gatekeeper: Ref, _ sturdyRef: Sturdy.SturdyRef<Ref>,
        rejected: ((Turn, AnyValue) throws -> Void)? = nil,
        _ resolved: @escaping (Turn, Ref) throws -> Void
    ) {
        let observer = ref(ResolveObserver(resolved: resolved, rejected: rejected))
        let request = Gatekeeper.Resolve<Ref>(
            step: Gatekeeper.Step(stepType: "ref", detail: sturdyRef.parameters.preserves), observer: observer)
        assert(gatekeeper, request)
    }
}

/// Receives a gatekeeper's answer to a `resolve` request.
final class ResolveObserver: Entity {
    private let resolved: (Turn, Ref) throws -> Void
    private let rejected: ((Turn, AnyValue) throws -> Void)?
    private var facets: [Handle: FacetID] = [:]

    init(resolved: @escaping (Turn, Ref) throws -> Void, rejected: ((Turn, AnyValue) throws -> Void)?) {
        self.resolved = resolved
        self.rejected = rejected
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let answer = try? Gatekeeper.Resolved<Ref>(preserves: value) else { return }
        switch answer {
        case .accepted(let session):
            facets[handle] = try turn.facet { turn in
                _ = turn.preventInertCheck()
                try resolved(turn, session)
            }
        case .rejected(let rejection):
            if let rejected {
                try rejected(turn, rejection.detail)
            } else {
                try turn.fail("the gatekeeper rejected the sturdy ref: \(rejection.detail)")
            }
        }
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        if let facet = facets.removeValue(forKey: handle) { turn.stop(facet) }
    }
}

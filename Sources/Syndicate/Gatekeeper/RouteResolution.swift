import Preserves
import SyndicateProtocols

extension Turn {
    /// Answers route resolution in `dataspace` (gatekeeper.prs's client-side protocol): for
    /// every observer of `<resolve-path ROUTE _ _ _>` with a constant ROUTE, it follows the route
    /// and asserts `<resolve-path ROUTE addr #:control RESOLVED>`, RESOLVED being
    /// `<accepted #:remote>` once the last path step is reached or the first `<rejected …>` met.
    ///
    /// It does no I/O. Transports come from whoever answers `<connect-transport ADDR _ _>` in the
    /// same dataspace (`SyndicateNIO`'s `connectTransports(in:)` for TCP, WebSocket and Unix
    /// sockets); of the route's transports, the first one connected is used. Path steps are
    /// followed through `<path-step #:origin STEP _>` interest, which
    /// ``servePathSteps(in:)`` (started here too) answers for sturdy-ref and Noise steps.
    ///
    /// Many observers of one route share one resolution. When the last observer goes, the
    /// resolution stops and withdraws its interest in the transport (which closes it); when a
    /// link is lost, what was resolved across it is retracted, and resolved again when the
    /// transport is back. Stopping the current facet stops the service.
    public func serveRouteResolution(in dataspace: Ref) {
        let demand = SharedDemand<Gatekeeper.Route<Ref>>(home: activeFacet)
        duringInterest(in: dataspace, label: "resolve-path") { turn, interest in
            guard let value = interest.literal(at: 0), let route = try? Gatekeeper.Route<Ref>(preserves: value) else { return }
            demand.hold(turn, route) { turn in
                RouteResolution(dataspace: dataspace, route: route).start(turn)
            }
        }
        servePathSteps(in: dataspace)
    }
}

/// The resolution of one route, while someone wants it. Confined to its actor.
final class RouteResolution {
    let dataspace: Ref
    let route: Gatekeeper.Route<Ref>
    /// The facet the resolution runs in.
    private var facet: FacetID?
    /// The answers about the route's transports, with each transport's position in the route.
    private var answers: [Gatekeeper.TransportConnection<Ref>: Int] = [:]
    /// The transport followed now, and the facet following its path steps.
    private var chosen: (connection: Gatekeeper.TransportConnection<Ref>, facet: FacetID)?

    init(dataspace: Ref, route: Gatekeeper.Route<Ref>) {
        self.dataspace = dataspace
        self.route = route
    }

    func start(_ turn: Turn) {
        facet = turn.activeFacet
        guard !route.transports.isEmpty else {
            let control = turn.ref(InertTransportControl())
            answer(turn, addr: .boolean(false), control: control, .rejected(Gatekeeper.Rejected(detail: .string("the route names no transport"))))
            return
        }
        for (index, addr) in route.transports.enumerated() {
            turn.during(dataspace, Gatekeeper.TransportConnection<Ref>.pattern(addr: .literal(addr))) { [self] turn, connection in
                answers[connection] = index
                choose(turn)
                turn.onStop { [self] turn in
                    answers[connection] = nil
                    choose(turn)
                }
            }
        }
    }

    /// Follows the first transport that is connected or, when every transport has failed, reports
    /// the first one's rejection; restarts the path when that choice changes.
    private func choose(_ turn: Turn) {
        let accepted = answers.filter { if case .accepted = $0.key.resolved { true } else { false } }
        var best = accepted.min { $0.value < $1.value }?.key
        if best == nil, Set(answers.values).count == route.transports.count {
            best = answers.min { $0.value < $1.value }?.key
        }
        guard best != chosen?.connection else { return }
        if let old = chosen {
            turn.stop(old.facet)
            chosen = nil
        }
        guard let best, let facet else { return }
        let follower = turn.inFacet(facet) { turn in
            turn.facet { turn in
                _ = turn.preventInertCheck()
                follow(turn, best)
            }
        }
        if let follower { chosen = (best, follower) }
    }

    private func follow(_ turn: Turn, _ connection: Gatekeeper.TransportConnection<Ref>) {
        switch connection.resolved {
        case .accepted(let peer):
            step(turn, connection, from: peer, index: 0)
        case .rejected(let rejection):
            answer(turn, addr: connection.addr, control: connection.control, .rejected(rejection))
        }
    }

    /// Resolves path step `index` from `origin` (the entity the previous step reached), in a
    /// facet that lives while that step's answer does.
    private func step(_ turn: Turn, _ connection: Gatekeeper.TransportConnection<Ref>, from origin: Ref, index: Int) {
        guard index < route.pathSteps.count else {
            answer(turn, addr: connection.addr, control: connection.control, .accepted(responderSession: origin))
            return
        }
        let wanted = Gatekeeper.ResolvedPathStep<Ref>.pattern(origin: .literal(origin), pathStep: .literal(route.pathSteps[index]))
        turn.during(dataspace, wanted) { [self] turn, answer in
            switch answer.resolved {
            case .accepted(let next):
                step(turn, connection, from: next, index: index + 1)
            case .rejected(let rejection):
                self.answer(turn, addr: connection.addr, control: connection.control, .rejected(rejection))
            }
        }
    }

    private func answer(_ turn: Turn, addr: AnyValue, control: Ref, _ resolved: Gatekeeper.Resolved<Ref>) {
        turn.assert(dataspace, Gatekeeper.ResolvePath<Ref>(route: route, addr: addr, control: control, resolved: resolved))
    }
}

/// The `control` of a resolution that has no transport: `<force-disconnect>` has nothing to drop.
final class InertTransportControl: Entity {}

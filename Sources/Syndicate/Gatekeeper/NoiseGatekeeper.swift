import Preserves
import SyndicateProtocols

extension GatekeeperEntity {
    /// `<resolve <noise ServiceSelector> #:observer>`: waits for
    /// `<bind <noise {service: ServiceSelector key: … secretKey: …}> #:target _>` and answers
    /// `<accepted #:session>`, where `session` is the responder of a new Noise session (in an
    /// actor of its own, linked to the request) that exports `target` to the initiator once
    /// the handshake is done. A binding whose spec cannot start a handshake is answered with
    /// `<rejected "…">`.
    func resolveNoise(_ turn: Turn, _ request: Gatekeeper.Resolve<Ref>) {
        let selector = request.step.detail
        let observer = request.observer
        turn.during(bindings, Self.noiseBindings) { turn, bind in
            guard let spec = try? Noise.NoiseServiceSpec<Ref>(preserves: bind.description_.detail), spec.base.service == selector else { return }
            let target = bind.target
            let handshake: NoiseHandshake
            do {
                handshake = try NoiseHandshake(responderOf: spec)
            } catch {
                self.reject(turn, request, "\(error)")
                return
            }
            turn.spawnLink(name: "noise-responder") { turn in
                let responder = NoiseSessionEntity(role: .responder(exporting: target), handshake: handshake)
                turn.onStop { _ in responder.sessionEnded() }
                turn.assert(observer, Gatekeeper.Resolved<Ref>.accepted(responderSession: turn.ref(responder)))
            }
        }
    }

    /// `<bind <noise …> #:target observer>`.
    static var noiseBindings: TypedPattern<Gatekeeper.Bind<Ref>> {
        Gatekeeper.Bind<Ref>.pattern(description_: .pattern(Gatekeeper.Description<Ref>.pattern(stepType: .literal("noise"))))
    }
}

extension Turn {
    /// Reaches the service `spec` describes through `gatekeeper` over a Noise session
    /// (`<resolve <noise service> #:observer>`, then the handshake `noise.prs` describes).
    /// `connected` gets the service's object (the responder's oid 0) once the handshake is done.
    /// A `<rejected detail>` answer goes to `rejected` (by default the actor fails). Stopping
    /// the current facet ends the session.
    public func resolve(
        _ gatekeeper: Ref, noise spec: Noise.NoiseSpec<Ref>,
        rejected: ((Turn, AnyValue) throws -> Void)? = nil,
        _ connected: @escaping @Sendable (Ref) -> Void
    ) throws(NoiseError) {
        let handshake = try NoiseHandshake(initiatorOf: spec)
        let observer = ref(ResolveObserver(resolved: { turn, responder in
            let initiator = NoiseSessionEntity(role: .initiator(connected: connected), handshake: handshake, peer: responder)
            turn.onStop { _ in initiator.sessionEnded() }
            turn.assert(responder, Noise.Initiator<Ref>(initiatorSession: turn.ref(initiator)))
            try initiator.start(turn)
        }, rejected: rejected))
        let request = Gatekeeper.Resolve<Ref>(step: Gatekeeper.Step(stepType: "noise", detail: spec.service), observer: observer)
        assert(gatekeeper, request)
    }
}

extension Turn {
    /// Answers the observer of every `<bind <noise {…}> #:target #:observer>` in `bindings`
    /// (`gatekeeper.prs`'s general treatment of `Bind`): `<bound <noise NoiseSpec>>`, the path
    /// step a client uses (the spec without its `secretKey`), or `<rejected "…">` when the spec
    /// cannot start a handshake. Gatekeepers' hosts call this for their bindings dataspace.
    public func answerNoiseBindObservers(_ bindings: Ref) {
        during(bindings, GatekeeperEntity.noiseBindings) { turn, bind in
            guard case .present(let observer) = bind.observer else { return }
            let answer: Gatekeeper.Bound<Ref>
            do {
                let spec = try Noise.NoiseServiceSpec<Ref>(preserves: bind.description_.detail)
                _ = try NoiseHandshake(responderOf: spec)
                answer = .bound(pathStep: Gatekeeper.PathStep(stepType: "noise", detail: spec.base.preserves))
            } catch {
                answer = .rejected(Gatekeeper.Rejected(detail: .string("invalid noise binding: \(error)")))
            }
            turn.assert(observer, answer)
        }
    }
}

import Preserves
import Synchronization
import SyndicateProtocols

extension Turn {
    /// Answers path-step interest in `dataspace`: for every observer of
    /// `<path-step #:origin STEP _>` with constant origin and step, it resolves STEP at `origin`
    /// (a gatekeeper reached by the previous step) and asserts
    /// `<path-step #:origin STEP <accepted #:next>>` or `<path-step #:origin STEP <rejected …>>`.
    ///
    /// - `<ref {oid … sig … caveats …}>`: `<resolve <ref …> #:observer>` at `origin`; its answer,
    ///   the remote's rejection reason included.
    /// - `<noise {service … key … protocol … preSharedKeys …}>`: `<resolve <noise service>
    ///   #:observer>` at `origin`, then the Noise handshake with the responder it names, in an
    ///   actor of its own; `next` is the responder's target (oid 0 of the relay session the
    ///   Noise session carries). A handshake that fails (a wrong key) or a session that ends is
    ///   reported as `<rejected …>`, and ends only that session.
    /// - other step types: `<rejected "unsupported path step type …">`.
    ///
    /// Identical interests share one resolution, which stops when the last goes away.
    public func servePathSteps(in dataspace: Ref) {
        let demand = SharedDemand<PathStepRequest>(home: activeFacet)
        duringInterest(in: dataspace, label: "path-step") { turn, interest in
            guard case .embedded(let origin)? = interest.literal(at: 0)?.unannotated,
                  let value = interest.literal(at: 1), let step = try? Gatekeeper.PathStep<Ref>(preserves: value)
            else { return }
            let request = PathStepRequest(dataspace: dataspace, origin: origin, step: step)
            demand.hold(turn, request) { turn in request.resolve(turn) }
        }
    }
}

/// One path step to take from one origin, and where to report the outcome.
struct PathStepRequest: Hashable {
    let dataspace: Ref
    let origin: Ref
    let step: Gatekeeper.PathStep<Ref>

    func answer(_ turn: Turn, _ resolved: Gatekeeper.Resolved<Ref>) {
        turn.assert(dataspace, Gatekeeper.ResolvedPathStep<Ref>(origin: origin, pathStep: step, resolved: resolved))
    }

    func reject(_ turn: Turn, _ reason: String) {
        answer(turn, .rejected(Gatekeeper.Rejected(detail: .string(reason))))
    }

    func resolve(_ turn: Turn) {
        switch step.stepType.name {
        case "ref":
            guard let parameters = try? Sturdy.Parameters<Ref>(preserves: step.detail) else {
                reject(turn, "malformed sturdy ref path step")
                return
            }
            turn.resolve(origin, Sturdy.SturdyRef(parameters: parameters), rejected: { turn, detail in
                answer(turn, .rejected(Gatekeeper.Rejected(detail: detail)))
            }) { turn, next in
                answer(turn, .accepted(responderSession: next))
            }
        case "noise":
            resolveNoise(turn)
        default:
            reject(turn, "unsupported path step type \(step.stepType.name)")
        }
    }

    /// Runs the Noise initiator in an actor of its own, so a failing handshake or session ends
    /// only that actor (see ``NoiseStepRunner``).
    private func resolveNoise(_ turn: Turn) {
        let spec: Noise.NoiseSpec<Ref>
        do {
            spec = try Noise.NoiseSpec<Ref>(preserves: step.detail)
            _ = try NoiseHandshake(initiatorOf: spec)
        } catch {
            reject(turn, "invalid noise path step: \(error)")
            return
        }
        NoiseStepRunner(request: self, spec: spec).start(turn)
    }

    /// In the initiator's actor: resolves `<noise service>` at the origin and runs the handshake
    /// with the responder it is given. The actor stops when the responder goes away.
    /// `notifier` is told (a message) once the session is up.
    func runNoiseInitiator(_ turn: Turn, service: AnyValue, handshake: NoiseHandshake, notifier: Ref) {
        let me = turn.actor
        let request = self
        let connected = NoiseStepProgress()
        let observer = turn.ref(ResolveObserver(resolved: { turn, responder in
            let initiator = NoiseSessionEntity(role: .initiator(connected: { remote in
                connected.markConnected()
                me.run { turn in
                    request.answer(turn, .accepted(responderSession: remote))
                    turn.message(notifier, .boolean(true))
                }
            }), handshake: handshake, peer: responder)
            turn.onStop { turn in
                initiator.sessionEnded()
                // The responder went away: the session ended, or the handshake failed (a wrong key).
                if connected.isConnected {
                    turn.later { turn in turn.stopActor() }
                } else {
                    turn.later { turn in try turn.fail("the noise handshake failed") }
                }
            }
            turn.assert(responder, Noise.Initiator<Ref>(initiatorSession: turn.ref(initiator)))
            try initiator.start(turn)
        }, rejected: { turn, detail in
            request.answer(turn, .rejected(Gatekeeper.Rejected(detail: detail)))
        }))
        turn.assert(origin, Gatekeeper.Resolve<Ref>(step: Gatekeeper.Step(stepType: "noise", detail: service), observer: observer))
    }
}

/// A noise path step while it is wanted: runs Noise initiators one after another, each in an
/// actor of its own. When one ends (a failed handshake, such as a wrong key, or a session that
/// ended), the step is answered `<rejected …>` and tried again after a backoff (0.1 s doubling to
/// 30 s, reset once a session comes up), as the responder may be back (a config reloaded).
/// Confined to its actor.
final class NoiseStepRunner {
    let request: PathStepRequest
    let spec: Noise.NoiseSpec<Ref>
    private var backoff = ReconnectBackoff()
    private var facet: FacetID?
    private var rejection: Handle?

    init(request: PathStepRequest, spec: Noise.NoiseSpec<Ref>) {
        self.request = request
        self.spec = spec
    }

    func start(_ turn: Turn) {
        facet = turn.activeFacet
        attempt(turn)
    }

    /// A session came up: the last failure no longer stands. (Told by the initiator's actor, not
    /// by observing the answer, which would be interest in this very step and keep it wanted.)
    func connected(_ turn: Turn) {
        backoff.succeeded()
        if let rejection { turn.retract(rejection) }
        rejection = nil
    }

    private func attempt(_ turn: Turn) {
        guard let facet, let handshake = try? NoiseHandshake(initiatorOf: spec) else { return }
        let (request, service) = (self.request, spec.service)
        turn.inFacet(facet) { turn in
            turn.facet { turn in
                _ = turn.preventInertCheck()
                let notifier = turn.ref(NoiseStepConnected(runner: self))
                let session = turn.spawn(name: "noise-initiator") { turn in
                    request.runNoiseInitiator(turn, service: service, handshake: handshake, notifier: notifier)
                }
                turn.onStop { _ in session.run { $0.stopActor() } }
                turn.linkedTask(producing: { await session.terminated() }) { [self] turn, status in
                    let reason: String
                    switch status {
                    case .normal: reason = "the noise session ended"
                    case .error(let error): reason = error.hasPrefix("the noise") ? error : "the noise session failed: \(error)"
                    }
                    let current = turn.activeFacet
                    let delay = backoff.failed()
                    turn.inFacet(facet) { turn in
                        rejection = turn.replace(rejection, request.dataspace, Gatekeeper.ResolvedPathStep<Ref>(
                            origin: request.origin, pathStep: request.step,
                            resolved: .rejected(Gatekeeper.Rejected(detail: .string(reason)))))
                        turn.after(delay) { [self] turn in attempt(turn) }
                    }
                    turn.stop(current)
                }
            }
        }
    }
}

/// Tells a ``NoiseStepRunner`` that its initiator's session came up.
final class NoiseStepConnected: Entity {
    private let runner: NoiseStepRunner
    init(runner: NoiseStepRunner) { self.runner = runner }
    func onMessage(_ turn: Turn, _ value: AnyValue) throws { runner.connected(turn) }
}

/// Whether a Noise initiator's session has come up, told from the relay session's actor.
final class NoiseStepProgress: Sendable {
    private let connected = Mutex(false)
    var isConnected: Bool { connected.withLock { $0 } }
    func markConnected() { connected.withLock { $0 = true } }
}

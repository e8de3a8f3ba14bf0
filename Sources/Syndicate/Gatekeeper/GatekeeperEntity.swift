import Preserves
import SyndicateProtocols

/// The gatekeeper: answers `<resolve step #:observer>` requests (the py-0.19.3 protocol
/// revision) from the `<bind description #:target observer>` assertions in a bindings
/// dataspace.
///
/// For a sturdy-ref step, `<resolve <ref {oid: O sig: S caveats: C}> #:observer>`, it waits for
/// `<bind <ref {oid: O key: K}> #:target _>`; if S is the signature of O and C under K, the
/// observer is told `<accepted #:target>` with `target` attenuated by C, otherwise
/// `<rejected "…">`. Unknown step types are rejected at once. The answer is withdrawn when the
/// request is.
public final class GatekeeperEntity: Entity {
    let bindings: Ref
    private var requests: [Handle: FacetID] = [:]

    /// A gatekeeper answering from the `Bind` assertions in `bindings`.
    public init(bindings: Ref) {
        self.bindings = bindings
    }

    public func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let request = try? Gatekeeper.Resolve<Ref>(preserves: value) else { return }
        requests[handle] = turn.facet { turn in
            _ = turn.preventInertCheck()
            resolve(turn, request)
        }
    }

    public func onRetract(_ turn: Turn, _ handle: Handle) throws {
        if let facet = requests.removeValue(forKey: handle) { turn.stop(facet) }
    }

    func resolve(_ turn: Turn, _ request: Gatekeeper.Resolve<Ref>) {
        switch request.step.stepType.name {
        case "ref":
            guard let parameters = try? Sturdy.Parameters<Ref>(preserves: request.step.detail) else {
                reject(turn, request, "malformed sturdy ref")
                return
            }
            let detail = Sturdy.SturdyDescriptionDetail<Ref>.pattern(oid: .literal(parameters.oid)).map { $0.preserves }
            let description = Gatekeeper.Description<Ref>.pattern(stepType: .literal("ref"), detail: .pattern(detail))
            turn.during(bindings, Gatekeeper.Bind<Ref>.pattern(description_: .pattern(description))) { turn, bind in
                guard let binding = try? Sturdy.SturdyDescriptionDetail<Ref>(preserves: bind.description_.detail) else {
                    self.reject(turn, request, "malformed binding")
                    return
                }
                let ref = Sturdy.SturdyRef(parameters: parameters)
                guard SturdyRefs.isValid(ref, key: binding.key) else {
                    self.reject(turn, request, "invalid sturdy ref")
                    return
                }
                let session = bind.target.attenuated(by: SturdyRefs.caveats(of: ref))
                turn.assert(request.observer, Gatekeeper.Resolved<Ref>.accepted(responderSession: session))
            }
        case "noise":
            resolveNoise(turn, request)
        default:
            reject(turn, request, "unsupported step type \(request.step.stepType.name)")
        }
    }

    func reject(_ turn: Turn, _ request: Gatekeeper.Resolve<Ref>, _ reason: String) {
        turn.assert(request.observer, Gatekeeper.Resolved<Ref>.rejected(Gatekeeper.Rejected(detail: .string(reason))))
    }
}

extension Turn {
    /// Asserts `<bind <ref {oid: oid key: key}> #:target #f>` into `bindings`, making `target`
    /// reachable through a gatekeeper with the sturdy ref minted from `oid` and `key`.
    @discardableResult
    public func bindSturdyRef(_ bindings: Ref, oid: AnyValue, key: [UInt8], target: Ref) -> Handle {
        let detail = Sturdy.SturdyDescriptionDetail<Ref>(key: key, oid: oid)
        let description = Gatekeeper.Description<Ref>(stepType: "ref", detail: detail.preserves)
        return assert(bindings, Gatekeeper.Bind(description_: description, target: target, observer: .absent))
    }
}

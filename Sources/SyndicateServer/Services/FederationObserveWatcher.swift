import Preserves
import Syndicate
import SyndicateProtocols

/// Observes every `<Observe PATTERN #:observer>` in the federated dataspace (through the
/// generated `Observe` pattern) and tells its ``FederationNode`` about each one and its
/// retraction, with the handle that names it.
final class FederationObserveWatcher: Entity {
    static let observes = Dataspace.Observe<Ref>.pattern()

    private let added: (Turn, Dataspace.Observe<Ref>, Handle) -> Void
    private let removed: (Turn, Handle) -> Void

    init(added: @escaping (Turn, Dataspace.Observe<Ref>, Handle) -> Void, removed: @escaping (Turn, Handle) -> Void) {
        self.added = added
        self.removed = removed
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let observe = try? Self.observes.decode(value.sequence ?? [value]) else { return }
        added(turn, observe, handle)
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        removed(turn, handle)
    }
}

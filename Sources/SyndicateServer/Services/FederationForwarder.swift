import Preserves
import Syndicate

/// The observer a broker hands a peer along with one interest: it passes every match the peer
/// delivers (assertions, their retractions, messages) straight to `target`, the observer the
/// interest came from, so imported data never enters the local dataspace.
///
/// It lives in the facet of one (interest, link) pair: when either goes, the facet stops and
/// what it forwarded is retracted.
final class FederationForwarder: Entity {
    private let target: Ref
    private var forwarded: [Handle: Handle] = [:]

    init(target: Ref) {
        self.target = target
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        forwarded[handle] = turn.assert(target, value)
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        guard let local = forwarded.removeValue(forKey: handle) else { return }
        turn.retract(local)
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        turn.message(target, value)
    }
}

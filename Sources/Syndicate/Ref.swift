import Preserves
import SyndicateProtocols

/// Assertions, messages and captures in the runtime: Preserves values whose embedded values
/// are capabilities.
public typealias AnyValue = Value<Ref>

/// The object a reference designates: an entity living in a facet of an actor.
///
/// The entity is touched only on its actor's executor; `Underlying` itself is immutable.
public final class Underlying: @unchecked Sendable {
    /// A process-wide number, so references have a total order.
    let serial: UInt64
    /// Refs keep their actor alive; a terminated actor ignores what is sent to it.
    let actor: SyndicateActor
    /// The facet the entity lives in; only read on `actor`'s executor.
    let facet: Facet
    var facetID: FacetID { facet.id }
    /// Only read on `actor`'s executor (see `entityOnActor`).
    private let entity: any Entity

    init(actor: SyndicateActor, facet: Facet, entity: any Entity) {
        self.serial = IDs.next()
        self.actor = actor
        self.facet = facet
        self.entity = entity
    }

    /// The entity, for the actor's own executor.
    func entityOnActor() -> any Entity {
        actor.assertOnExecutor()
        return entity
    }
}

/// A capability: a reference to an entity, possibly attenuated by caveats that rewrite or
/// reject what is asserted or sent through it.
///
/// Refs are the embedded values of ``AnyValue``; they are `Sendable` and cross actors freely.
/// Two refs are equal when they designate the same entity with the same attenuation.
public struct Ref: PreservesEmbedded, CustomStringConvertible {
    public let underlying: Underlying
    /// Caveats, oldest first; they apply newest first.
    public let attenuation: [Sturdy.Caveat<Ref>]

    init(underlying: Underlying, attenuation: [Sturdy.Caveat<Ref>] = []) {
        self.underlying = underlying
        self.attenuation = attenuation
    }

    /// This reference with `caveats` added (they apply before any already present).
    public func attenuated(by caveats: [Sturdy.Caveat<Ref>]) -> Ref {
        Ref(underlying: underlying, attenuation: attenuation + caveats)
    }

    public static func == (lhs: Ref, rhs: Ref) -> Bool {
        lhs.underlying === rhs.underlying && lhs.attenuation == rhs.attenuation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(underlying))
        hasher.combine(attenuation)
    }

    public static func < (lhs: Ref, rhs: Ref) -> Bool {
        if lhs.underlying.serial != rhs.underlying.serial { return lhs.underlying.serial < rhs.underlying.serial }
        let a = lhs.attenuation.map { $0.preserves }
        let b = rhs.attenuation.map { $0.preserves }
        return Value<Ref>.sequence(a) < Value<Ref>.sequence(b)
    }

    public var description: String {
        "⌜\(underlying.actor.name)/\(underlying.facetID.rawValue):\(underlying.serial)\(attenuation.isEmpty ? "" : "⌇\(attenuation.count)")⌝"
    }
}

/// Process-wide identifiers for refs, actors, facets and handles.
enum IDs {
    private static let counter = AtomicCounter()
    static func next() -> UInt64 { counter.next() }
}

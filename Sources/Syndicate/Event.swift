import Preserves
/// What one turn sends to another actor. Events for one actor from one turn travel together,
/// in the order they were made, and are handled in one turn there.
enum Event: Sendable {
    case assert(Underlying, AnyValue, Handle)
    case retract(Underlying, Handle)
    case message(Underlying, AnyValue)
    case sync(Underlying, Ref)
    /// Run `action` in the facet (boot, `run`, linked-task callbacks).
    case action(FacetID, @Sendable (Turn) throws -> Void)
    /// Run an action created by this same actor (`later`, timers): it may capture actor state.
    case localAction(FacetID, ActorConfined<(Turn) throws -> Void>)
}

/// An assertion this actor made and has not yet retracted.
struct OutboundAssertion {
    let target: Underlying
    let facet: FacetID
}

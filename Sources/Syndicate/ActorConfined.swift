/// Carries a value that belongs to one actor through asynchronous code and back to that
/// actor. The value may be used only in turns of the actor that created the box; the box
/// itself may travel anywhere.
public struct ActorConfined<Value>: @unchecked Sendable {
    private let value: Value
    private let owner: ObjectIdentifier

    /// Confines `value` to `owner` (usually `turn.actor`).
    public init(_ value: Value, owner: SyndicateActor) {
        self.value = value
        self.owner = ObjectIdentifier(owner)
    }

    /// The value, for a turn of its owning actor.
    public func get(in turn: Turn) -> Value {
        precondition(ObjectIdentifier(turn.actor) == owner, "actor-confined value used by another actor")
        return value
    }
}

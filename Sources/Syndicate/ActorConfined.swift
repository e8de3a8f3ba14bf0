/// Carries a value that belongs to one actor through asynchronous code and back to that
/// actor. The value may be used only in turns of the actor that created the box; the box
/// itself may travel anywhere.
struct ActorConfined<Value>: @unchecked Sendable {
    private let value: Value
    private let owner: ObjectIdentifier

    init(_ value: Value, owner: SyndicateActor) {
        self.value = value
        self.owner = ObjectIdentifier(owner)
    }

    /// The value, for a turn of its owning actor.
    func get(in turn: Turn) -> Value {
        precondition(ObjectIdentifier(turn.actor) == owner, "actor-confined value used by another actor")
        return value
    }
}

import Preserves
/// Something that receives assertions, retractions, messages and sync requests.
///
/// An entity lives in one facet of one actor and is called only on that actor's executor,
/// inside a turn; it is reached through a ``Ref``. All methods have do-nothing defaults
/// (``sync(_:peer:)`` answers at once).
public protocol Entity: AnyObject {
    /// `value` was asserted to this entity under `handle`.
    func assert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws
    /// The assertion made under `handle` was withdrawn.
    func retract(_ turn: Turn, _ handle: Handle) throws
    /// `value` was sent as a message.
    func message(_ turn: Turn, _ value: AnyValue) throws
    /// Everything sent to this entity before the sync request has been handled: answer `peer`.
    func sync(_ turn: Turn, peer: Ref) throws
}

extension Entity {
    public func assert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {}
    public func retract(_ turn: Turn, _ handle: Handle) throws {}
    public func message(_ turn: Turn, _ value: AnyValue) throws {}
    public func sync(_ turn: Turn, peer: Ref) throws { turn.message(peer, .boolean(true)) }
}

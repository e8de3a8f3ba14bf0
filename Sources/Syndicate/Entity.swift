import Preserves
/// Something that receives assertions, retractions, messages and sync requests.
///
/// An entity lives in one facet of one actor and is called only on that actor's executor,
/// inside a turn; it is reached through a ``Ref``. All methods have do-nothing defaults
/// (``onSync(_:peer:)`` answers at once).
public protocol Entity: AnyObject {
    /// `value` was asserted to this entity under `handle`.
    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws
    /// The assertion made under `handle` was withdrawn.
    func onRetract(_ turn: Turn, _ handle: Handle) throws
    /// `value` was sent as a message.
    func onMessage(_ turn: Turn, _ value: AnyValue) throws
    /// Everything sent to this entity before the sync request has been handled: answer `peer`.
    func onSync(_ turn: Turn, peer: Ref) throws
}

extension Entity {
    public func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {}
    public func onRetract(_ turn: Turn, _ handle: Handle) throws {}
    public func onMessage(_ turn: Turn, _ value: AnyValue) throws {}
    public func onSync(_ turn: Turn, peer: Ref) throws { turn.message(peer, .boolean(true)) }
}

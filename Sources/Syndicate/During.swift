import Preserves
import SyndicateProtocols

/// Runs a handler in a fresh facet for each assertion it is told about, and stops that facet
/// when the assertion is retracted (so everything the handler set up ends with it).
final class DuringEntity: Entity {
    private let handler: (Turn, [AnyValue]) throws -> Void
    private var facets: [Handle: FacetID] = [:]

    init(_ handler: @escaping (Turn, [AnyValue]) throws -> Void) {
        self.handler = handler
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        let captures = value.sequence ?? [value]
        facets[handle] = try turn.facet { turn in
            // The facet lives until the retraction, even if the handler leaves it empty.
            _ = turn.preventInertCheck()
            try handler(turn, captures)
        }
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        if let facet = facets.removeValue(forKey: handle) { turn.stop(facet) }
    }
}

/// Runs a handler for each message it receives.
final class MessageEntity: Entity {
    private let handler: (Turn, [AnyValue]) throws -> Void
    init(_ handler: @escaping (Turn, [AnyValue]) throws -> Void) { self.handler = handler }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        try handler(turn, value.sequence ?? [value])
    }
}

/// Calls one closure per assertion and another per retraction.
final class AssertionEntity: Entity {
    private let onAssert: (Turn, [AnyValue], Handle) throws -> Void
    private let onRetract: (Turn, Handle) throws -> Void
    init(onAssert: @escaping (Turn, [AnyValue], Handle) throws -> Void, onRetract: @escaping (Turn, Handle) throws -> Void) {
        self.onAssert = onAssert
        self.onRetract = onRetract
    }
    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws { try onAssert(turn, value.sequence ?? [value], handle) }
    func onRetract(_ turn: Turn, _ handle: Handle) throws { try onRetract(turn, handle) }
}

extension Turn {
    /// While an assertion matching `pattern` is present in `dataspace`, runs `handler` in a
    /// facet of its own with the pattern's captures; retraction stops that facet.
    ///
    /// ```swift
    /// turn.during(ds, Pattern.rec("Present", Pattern.bind())) { turn, captures in
    ///     print("\(captures[0]) arrived")
    ///     turn.onStop { _ in print("\(captures[0]) left") }
    /// }
    /// ```
    @discardableResult
    public func during(_ dataspace: Ref, _ pattern: Pattern, _ handler: @escaping (Turn, [AnyValue]) throws -> Void) -> Handle {
        observe(dataspace, pattern, ref(DuringEntity(handler)))
    }

    /// Runs `handler` with the captures of every message matching `pattern` sent to `dataspace`.
    @discardableResult
    public func onMessage(_ dataspace: Ref, _ pattern: Pattern, _ handler: @escaping (Turn, [AnyValue]) throws -> Void) -> Handle {
        observe(dataspace, pattern, ref(MessageEntity(handler)))
    }

    /// Calls `onAssert` for each matching assertion (with its captures and a handle that
    /// names it) and `onRetract` when it goes away.
    @discardableResult
    public func onAssertion(
        _ dataspace: Ref, _ pattern: Pattern,
        onAssert: @escaping (Turn, [AnyValue], Handle) throws -> Void,
        onRetract: @escaping (Turn, Handle) throws -> Void = { _, _ in }
    ) -> Handle {
        observe(dataspace, pattern, ref(AssertionEntity(onAssert: onAssert, onRetract: onRetract)))
    }

    /// Asserts `<Observe pattern observer>` to `dataspace`.
    @discardableResult
    public func observe(_ dataspace: Ref, _ pattern: Pattern, _ observer: Ref) -> Handle {
        assert(dataspace, Dataspace.Observe(pattern: pattern, observer: observer))
    }
}

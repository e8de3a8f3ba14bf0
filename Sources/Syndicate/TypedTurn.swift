import Preserves
import SyndicateProtocols

// Assertions, messages and observers in terms of schema types: the typed face of ``Turn``.

extension Turn {
    /// Asserts a schema value to `ref` until retracted, or until the current facet stops.
    @discardableResult
    public func assert<T: SchemaRepresentable>(_ ref: Ref, _ value: T) -> Handle where T.Embedded == Ref {
        assert(ref, value.preserves)
    }

    /// Asserts a schema value to `ref` until retracted, or until the current facet stops.
    @discardableResult
    public func assert<T: SchemaPlainRepresentable>(_ ref: Ref, _ value: T) -> Handle {
        assert(ref, value.preserves(as: Ref.self))
    }

    /// Replaces the assertion under `handle` (if any) by a schema value (if any).
    @discardableResult
    public func replace<T: SchemaRepresentable>(_ handle: Handle?, _ ref: Ref, _ value: T?) -> Handle? where T.Embedded == Ref {
        replace(handle, ref, value?.preserves)
    }

    /// Replaces the assertion under `handle` (if any) by a schema value (if any).
    @discardableResult
    public func replace<T: SchemaPlainRepresentable>(_ handle: Handle?, _ ref: Ref, _ value: T?) -> Handle? {
        replace(handle, ref, value?.preserves(as: Ref.self))
    }

    /// Sends a schema value to `ref` as a message.
    public func message<T: SchemaRepresentable>(_ ref: Ref, _ value: T) where T.Embedded == Ref {
        message(ref, value.preserves)
    }

    /// Sends a schema value to `ref` as a message.
    public func message<T: SchemaPlainRepresentable>(_ ref: Ref, _ value: T) {
        message(ref, value.preserves(as: Ref.self))
    }

    /// While an assertion matching `observation` is present in `dataspace`, runs `handler` in a
    /// facet of its own with the decoded value; retraction stops that facet. Matches that do
    /// not decode are skipped (see ``ObservationPattern``).
    @discardableResult
    public func during<P: ObservationPattern>(
        _ dataspace: Ref, _ observation: P, _ handler: @escaping (Turn, P.Output) throws -> Void
    ) -> Handle {
        typedDuring(dataspace, observation, handler)
    }

    /// ``during(_:_:_:)-(_,P,_)`` for a generated pattern (`Says.pattern(who: .literal("alice"))`).
    @discardableResult
    public func during<Output>(
        _ dataspace: Ref, _ observation: DataspacePatterns.TypedPattern<Ref, Output>, _ handler: @escaping (Turn, Output) throws -> Void
    ) -> Handle {
        typedDuring(dataspace, GeneratedPatternObservation(observation), handler)
    }

    /// Runs `handler` with the decoded value of every message matching `observation` sent to
    /// `dataspace`. Matches that do not decode are skipped (see ``ObservationPattern``).
    @discardableResult
    public func onMessage<P: ObservationPattern>(
        _ dataspace: Ref, _ observation: P, _ handler: @escaping (Turn, P.Output) throws -> Void
    ) -> Handle {
        typedOnMessage(dataspace, observation, handler)
    }

    /// ``onMessage(_:_:_:)-(_,P,_)`` for a generated pattern.
    @discardableResult
    public func onMessage<Output>(
        _ dataspace: Ref, _ observation: DataspacePatterns.TypedPattern<Ref, Output>, _ handler: @escaping (Turn, Output) throws -> Void
    ) -> Handle {
        typedOnMessage(dataspace, GeneratedPatternObservation(observation), handler)
    }

    /// Calls `onAssert` with each matching assertion's decoded value and a handle naming it,
    /// and `onRetract` with the same value and handle when it goes away. Matches that do not
    /// decode are skipped, their retractions too (see ``ObservationPattern``).
    @discardableResult
    public func onAssertion<P: ObservationPattern>(
        _ dataspace: Ref, _ observation: P,
        onAssert: @escaping (Turn, P.Output, Handle) throws -> Void,
        onRetract: @escaping (Turn, P.Output, Handle) throws -> Void = { _, _, _ in }
    ) -> Handle {
        typedOnAssertion(dataspace, observation, onAssert: onAssert, onRetract: onRetract)
    }

    /// ``onAssertion(_:_:onAssert:onRetract:)-(_,P,_,_)`` for a generated pattern.
    @discardableResult
    public func onAssertion<Output>(
        _ dataspace: Ref, _ observation: DataspacePatterns.TypedPattern<Ref, Output>,
        onAssert: @escaping (Turn, Output, Handle) throws -> Void,
        onRetract: @escaping (Turn, Output, Handle) throws -> Void = { _, _, _ in }
    ) -> Handle {
        typedOnAssertion(dataspace, GeneratedPatternObservation(observation), onAssert: onAssert, onRetract: onRetract)
    }

    private func typedDuring<P: ObservationPattern>(
        _ dataspace: Ref, _ observation: P, _ handler: @escaping (Turn, P.Output) throws -> Void
    ) -> Handle {
        during(dataspace, observation.pattern) { turn, captures in
            guard let value = TypedObservation.decode(observation, captures) else { return }
            try handler(turn, value)
        }
    }

    private func typedOnMessage<P: ObservationPattern>(
        _ dataspace: Ref, _ observation: P, _ handler: @escaping (Turn, P.Output) throws -> Void
    ) -> Handle {
        onMessage(dataspace, observation.pattern) { turn, captures in
            guard let value = TypedObservation.decode(observation, captures) else { return }
            try handler(turn, value)
        }
    }

    private func typedOnAssertion<P: ObservationPattern>(
        _ dataspace: Ref, _ observation: P,
        onAssert: @escaping (Turn, P.Output, Handle) throws -> Void,
        onRetract: @escaping (Turn, P.Output, Handle) throws -> Void
    ) -> Handle {
        let entity = TypedAssertionEntity(observation, onAssert: onAssert, onRetract: onRetract)
        return observe(dataspace, observation.pattern, ref(entity))
    }
}

/// Decodes assertions for ``Turn/onAssertion(_:_:onAssert:onRetract:)``, remembering each
/// decoded value until its retraction.
final class TypedAssertionEntity<P: ObservationPattern>: Entity {
    private let observation: P
    private let assertHandler: (Turn, P.Output, Handle) throws -> Void
    private let retractHandler: (Turn, P.Output, Handle) throws -> Void
    private var present: [Handle: P.Output] = [:]

    init(
        _ observation: P, onAssert: @escaping (Turn, P.Output, Handle) throws -> Void,
        onRetract: @escaping (Turn, P.Output, Handle) throws -> Void
    ) {
        self.observation = observation
        self.assertHandler = onAssert
        self.retractHandler = onRetract
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard let decoded = TypedObservation.decode(observation, value.sequence ?? [value]) else { return }
        present[handle] = decoded
        try assertHandler(turn, decoded, handle)
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        guard let decoded = present.removeValue(forKey: handle) else { return }
        present.shrinkIfSparse()
        try retractHandler(turn, decoded, handle)
    }
}

/// A generated pattern as the observation of the typed turns above. Its `decode` reads the
/// capture with the embedded type known (`Ref`): called through `TypedPattern`'s own
/// `decode(_:)` from generic code, every match would look up the metadata of
/// `Value<Embedded>` and `[Value<Embedded>]` (measured: about 1,300 instructions a message).
/// (Its decoder is taken once: calling the pattern's `decode` from here, generic over `Output`,
/// would look up `TypedPattern<Ref, Output>`'s metadata and copy the pattern for every match.)
struct GeneratedPatternObservation<Output>: ObservationPattern {
    let pattern: Pattern
    private let decoder: @Sendable (AnyValue) throws(SchemaParseError) -> Output

    init(_ typed: DataspacePatterns.TypedPattern<Ref, Output>) {
        pattern = typed.pattern
        decoder = typed.decoder
    }

    func decode(_ captures: [AnyValue]) throws -> Output {
        guard let value = captures.first else {
            throw SchemaParseError(definition: "dataspacePatterns.TypedPattern", expected: "the captured value")
        }
        return try decoder(value)
    }
}

/// A type generated from a Preserves Schema definition, converting to and from values whose
/// embedded values have type `Embedded`.
///
/// Generated types whose definitions contain `any` or `#:` patterns conform to this protocol:
/// they are either generic over the embedded type or use the concrete type chosen in the
/// compiler's configuration.
public protocol SchemaRepresentable<Embedded>: Sendable, Hashable {
    associatedtype Embedded: PreservesEmbedded

    /// Parses `value` against the definition's pattern.
    init(preserves value: Value<Embedded>) throws(SchemaParseError)

    /// The value this instance stands for (the definition's pattern, "unparsed").
    var preserves: Value<Embedded> { get }

    /// Writes the binary encoding of ``preserves`` into `emitter`. Generated types write their
    /// records and sequences directly, without building the value; the default writes ``preserves``.
    func write(to emitter: inout BinaryEmitter<Embedded>)

    /// Reads this type straight from binary input, without building the value of its
    /// envelope first; it may give up where ``init(preserves:)`` would succeed (see
    /// ``BinarySource``). Generated types read their records, tuples and alternatives
    /// directly; the default reads the whole value and parses it.
    init(binary source: inout BinarySource<Embedded>) throws(SchemaParseError)
}

extension SchemaRepresentable {
    @inlinable
    public func write(to emitter: inout BinaryEmitter<Embedded>) { emitter.write(preserves) }

    @inlinable
    public init(binary source: inout BinarySource<Embedded>) throws(SchemaParseError) {
        try self.init(preserves: source.readValue())
    }
}

/// A type generated from a Preserves Schema definition that contains neither `any` nor
/// embedded values, so it converts to and from values of every embedding.
public protocol SchemaPlainRepresentable: Sendable, Hashable {
    /// Parses `value` against the definition's pattern.
    init<E: PreservesEmbedded>(preserves value: Value<E>) throws(SchemaParseError)

    /// The value this instance stands for, in the embedding `E`.
    func preserves<E: PreservesEmbedded>(as embedding: E.Type) -> Value<E>

    /// Writes the binary encoding of `preserves(as: E.self)` into `emitter` (see
    /// ``SchemaRepresentable/write(to:)``).
    func write<E: PreservesEmbedded>(to emitter: inout BinaryEmitter<E>)

    /// Reads this type straight from binary input (see ``SchemaRepresentable/init(binary:)``).
    init<E: PreservesEmbedded>(binary source: inout BinarySource<E>) throws(SchemaParseError)
}

extension SchemaPlainRepresentable {
    @inlinable
    public func write<E: PreservesEmbedded>(to emitter: inout BinaryEmitter<E>) { emitter.write(preserves(as: E.self)) }

    @inlinable
    public init<E: PreservesEmbedded>(binary source: inout BinarySource<E>) throws(SchemaParseError) {
        try self.init(preserves: source.readValue())
    }
}

extension SchemaPlainRepresentable {
    /// The value this instance stands for, as plain data.
    public var preserves: IOValue { preserves(as: IOEmbedded.self) }
}

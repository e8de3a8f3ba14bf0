// Typed accessors. Each looks through annotations and returns `nil` when the value is of
// another kind, so `if let s = value.string { … }` reads naturally.

extension Value {
    /// The Boolean, if this is one.
    @inlinable
    public var bool: Bool? {
        if case .boolean(let b) = unannotated { return b }
        return nil
    }

    /// The Double, if this is one.
    @inlinable
    public var double: Double? {
        if case .double(let d) = unannotated { return d }
        return nil
    }

    /// The SignedInteger, if this is one.
    @inlinable
    public var integer: SignedInteger? {
        if case .integer(let i) = unannotated { return i }
        return nil
    }

    /// The SignedInteger as an `Int`, if this is one and it fits.
    @inlinable
    public var int: Int? { integer?.int }

    /// The String, if this is one (not a Symbol).
    @inlinable
    public var string: String? {
        if case .string(let s) = unannotated { return s }
        return nil
    }

    /// The ByteString's bytes, if this is one.
    @inlinable
    public var bytes: [UInt8]? {
        if case .byteString(let b) = unannotated { return b }
        return nil
    }

    /// The Symbol, if this is one.
    @inlinable
    public var symbol: Symbol? {
        if case .symbol(let s) = unannotated { return s }
        return nil
    }

    /// The Record, if this is one.
    @inlinable
    public var record: Record<Embedded>? {
        if case .record(let r) = unannotated { return r }
        return nil
    }

    /// The Record, if this is one whose label is the symbol `label`.
    public func record(label: Symbol) -> Record<Embedded>? {
        guard let r = record, r.label.symbol == label else { return nil }
        return r
    }

    /// The Record, if this is one whose label is `label` and that has `fieldCount` fields.
    public func record(label: Symbol, fieldCount: Int) -> Record<Embedded>? {
        guard let r = record(label: label), r.fields.count == fieldCount else { return nil }
        return r
    }

    /// The Sequence's elements, if this is one.
    @inlinable
    public var sequence: [Value]? {
        if case .sequence(let s) = unannotated { return s }
        return nil
    }

    /// The Set's elements, if this is one.
    @inlinable
    public var set: Set<Value>? {
        if case .set(let s) = unannotated { return s }
        return nil
    }

    /// The Dictionary's entries, if this is one.
    @inlinable
    public var dictionary: [Value: Value]? {
        if case .dictionary(let d) = unannotated { return d }
        return nil
    }

    /// The embedded value, if this is one.
    @inlinable
    public var embedded: Embedded? {
        if case .embedded(let e) = unannotated { return e }
        return nil
    }

    /// The value stored under `key`, if this is a Dictionary that has it.
    public subscript(key: Value) -> Value? {
        dictionary?[key]
    }

    /// The value stored under the symbol `key`, if this is a Dictionary that has it.
    public subscript(symbol key: Symbol) -> Value? {
        dictionary?[.symbol(key)]
    }
}

extension Value {
    /// Rebuilds this value with every embedded value transformed by `transform`, keeping
    /// annotations. The relay uses this to move values between embedding domains.
    ///
    /// Inlinable, so that it is specialised for the caller's embedded types and closure.
    @inlinable
    public func mapEmbedded<Other: PreservesEmbedded>(
        _ transform: (Embedded) throws -> Other
    ) rethrows -> Preserves.Value<Other> {
        switch self {
        case .boolean(let b): return .boolean(b)
        case .double(let d): return .double(d)
        case .integer(let i): return .integer(i)
        case .string(let s): return .string(s)
        case .byteString(let b): return .byteString(b)
        case .symbol(let s): return .symbol(s)
        case .record(let r):
            return .record(Record(labelAndFields: try r.storage.map { try $0.mapEmbedded(transform) }))
        case .sequence(let items):
            return .sequence(try items.map { try $0.mapEmbedded(transform) })
        case .set(let items):
            var out = Set<Preserves.Value<Other>>(minimumCapacity: items.count)
            for item in items { out.insert(try item.mapEmbedded(transform)) }
            return .set(out)
        case .dictionary(let entries):
            var out = [Preserves.Value<Other>: Preserves.Value<Other>](minimumCapacity: entries.count)
            for (k, v) in entries { out[try k.mapEmbedded(transform)] = try v.mapEmbedded(transform) }
            return .dictionary(out)
        case .embedded(let e):
            return .embedded(try transform(e))
        case .annotated(let a):
            return .annotated(
                Annotated(
                    annotations: try a.annotations.map { try $0.mapEmbedded(transform) },
                    value: try a.value.mapEmbedded(transform)))
        }
    }

}

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
    /// Parts that hold no embedded value are not rebuilt: they are reused as they are, since
    /// `Embedded` occurs only behind indirect cases and inside collection storage, so a
    /// `Value<Embedded>` and a `Value<Other>` without embedded values have the same
    /// representation. A value with no embedded value at all costs one walk, with no allocation.
    ///
    /// Inlinable, so that it is specialised for the caller's embedded types and closure.
    @inlinable
    public func mapEmbedded<Other: PreservesEmbedded>(
        _ transform: (Embedded) throws -> Other
    ) rethrows -> Preserves.Value<Other> {
        // The scan copies nothing; the common case (no embedded value) ends here.
        if !containsEmbedded { return reinterpreted() }
        return try remapped(transform) ?? reinterpreted()
    }

    /// Whether an embedded value occurs anywhere in this value (annotations included).
    @inlinable
    public var containsEmbedded: Bool {
        switch self {
        case .boolean, .double, .integer, .string, .byteString, .symbol:
            return false
        case .record(let r):
            return Self.anyContainsEmbedded(r.storage)
        case .sequence(let items):
            return Self.anyContainsEmbedded(items)
        case .set(let items):
            for item in items where item.containsEmbedded { return true }
            return false
        case .dictionary(let entries):
            for (k, v) in entries where k.containsEmbedded || v.containsEmbedded { return true }
            return false
        case .embedded:
            return true
        case .annotated(let a):
            return a.value.containsEmbedded || Self.anyContainsEmbedded(a.annotations)
        }
    }

    @inlinable
    static func anyContainsEmbedded(_ items: [Value]) -> Bool {
        items.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where buffer[i].containsEmbedded { return true }
            return false
        }
    }

    /// This value, which holds no embedded value, in another embedding.
    @inlinable @inline(__always)
    func reinterpreted<Other: PreservesEmbedded>() -> Preserves.Value<Other> {
        unsafeBitCast(self, to: Preserves.Value<Other>.self)
    }

    /// The value with its embedded values transformed, or nil when it holds none (so it can
    /// be reused unchanged). Each part is visited once.
    @inlinable
    func remapped<Other: PreservesEmbedded>(
        _ transform: (Embedded) throws -> Other
    ) rethrows -> Preserves.Value<Other>? {
        switch self {
        case .boolean, .double, .integer, .string, .byteString, .symbol:
            return nil
        case .record(let r):
            guard let storage = try Self.remapped(r.storage, transform) else { return nil }
            return .record(Record(labelAndFields: storage))
        case .sequence(let items):
            guard let out = try Self.remapped(items, transform) else { return nil }
            return .sequence(out)
        case .set(let items):
            var out: Set<Preserves.Value<Other>>? = nil
            var seen = 0
            for item in items {
                let mapped = try item.remapped(transform)
                if out == nil {
                    guard let mapped else { seen += 1; continue }
                    var fresh = Set<Preserves.Value<Other>>(minimumCapacity: items.count)
                    for earlier in items.prefix(seen) { fresh.insert(earlier.reinterpreted()) }
                    fresh.insert(mapped)
                    out = fresh
                } else {
                    out!.insert(mapped ?? item.reinterpreted())
                }
            }
            return out.map { .set($0) }
        case .dictionary(let entries):
            var out: [Preserves.Value<Other>: Preserves.Value<Other>]? = nil
            var seen = 0
            for (k, v) in entries {
                let mk = try k.remapped(transform)
                let mv = try v.remapped(transform)
                if out == nil {
                    if mk == nil && mv == nil { seen += 1; continue }
                    var fresh = [Preserves.Value<Other>: Preserves.Value<Other>](minimumCapacity: entries.count)
                    for (ek, ev) in entries.prefix(seen) { fresh[ek.reinterpreted()] = ev.reinterpreted() }
                    out = fresh
                }
                out![mk ?? k.reinterpreted()] = mv ?? v.reinterpreted()
            }
            return out.map { .dictionary($0) }
        case .embedded(let e):
            return .embedded(try transform(e))
        case .annotated(let a):
            let annotations = try Self.remapped(a.annotations, transform)
            let value = try a.value.remapped(transform)
            if annotations == nil && value == nil { return nil }
            return .annotated(Annotated(
                annotations: annotations ?? a.annotations.map { $0.reinterpreted() },
                value: value ?? a.value.reinterpreted(), position: a.position))
        }
    }

    /// `items` with embedded values transformed, or nil when none holds any.
    @inlinable
    static func remapped<Other: PreservesEmbedded>(
        _ items: [Value], _ transform: (Embedded) throws -> Other
    ) rethrows -> [Preserves.Value<Other>]? {
        var out: [Preserves.Value<Other>]? = nil
        for i in items.indices {
            let mapped = try items[i].remapped(transform)
            if out == nil {
                guard let mapped else { continue }
                var fresh: [Preserves.Value<Other>] = []
                fresh.reserveCapacity(items.count)
                for j in 0..<i { fresh.append(items[j].reinterpreted()) }
                fresh.append(mapped)
                out = fresh
            } else {
                out!.append(mapped ?? items[i].reinterpreted())
            }
        }
        return out
    }
}

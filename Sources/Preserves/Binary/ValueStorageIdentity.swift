/// The identity of the storage of a record or of a non-empty sequence: equal for copies of one
/// value, distinct among values alive at the same time whose storage is distinct.
///
/// Storage is immutable while shared (copy on write), so two values with the same identity are
/// the same value, as long as one of them is kept alive so that its storage is not reused. A
/// relay delivering one message to many subscribers finds the encoding it made of the body by
/// this identity: a comparison of two words, with no hashing or walking of the value.
public struct ValueStorageIdentity: Hashable, Sendable {
    /// The address of the first item (the label, for a record).
    public let address: UInt
    /// A record and a sequence may share one buffer of items; they differ all the same.
    public let isRecord: Bool

    @inlinable
    init(address: UInt, isRecord: Bool) {
        self.address = address
        self.isRecord = isRecord
    }
}

extension Value {
    /// The identity of this value's storage, for a record or a non-empty sequence; `nil`
    /// otherwise (see ``ValueStorageIdentity``). Copies of a value share it; values in another
    /// embedding that hold no embedded value (``mapEmbedded(_:)``) share it too.
    @inlinable
    public var storageIdentity: ValueStorageIdentity? {
        switch self {
        case .record(let r):
            return Self.address(of: r.storage).map { ValueStorageIdentity(address: $0, isRecord: true) }
        case .sequence(let items):
            return Self.address(of: items).map { ValueStorageIdentity(address: $0, isRecord: false) }
        default:
            return nil
        }
    }

    @inlinable @inline(__always)
    static func address(of items: [Value]) -> UInt? {
        guard !items.isEmpty else { return nil }
        return items.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { UInt(bitPattern: $0) } }
    }

    /// This value in another embedding, without walking it: for a caller that knows it holds
    /// no embedded value (a reader that met none while decoding it). Checked in debug builds.
    @inlinable
    public func reinterpretedKnowingNoEmbedded<Other: PreservesEmbedded>(as other: Other.Type = Other.self) -> Value<Other> {
        assert(!containsEmbedded, "a value said to hold no embedded value holds one")
        return reinterpreted()
    }
}

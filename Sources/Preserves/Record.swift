/// A Preserves Record: a label (any value) and zero or more fields.
///
/// The label and fields share one contiguous buffer, so a record costs a single allocation.
public struct Record<Embedded: PreservesEmbedded>: Sendable {
    /// The label at index 0, then the fields.
    @usableFromInline
    var storage: [Value<Embedded>]

    /// Creates a record with the given label and fields.
    @inlinable
    public init(label: Value<Embedded>, fields: some Sequence<Value<Embedded>>) {
        var storage: [Value<Embedded>] = [label]
        storage.append(contentsOf: fields)
        self.storage = storage
    }

    /// Creates a record with the given label and fields.
    @inlinable
    public init(label: Value<Embedded>, _ fields: Value<Embedded>...) {
        self.init(label: label, fields: fields)
    }

    /// Creates a record from its label followed by its fields; `labelAndFields` must not be empty.
    @inlinable
    init(labelAndFields: [Value<Embedded>]) {
        precondition(!labelAndFields.isEmpty, "a record needs a label")
        self.storage = labelAndFields
    }

    /// The record's label.
    @inlinable
    public var label: Value<Embedded> {
        get { storage[0] }
        set { storage[0] = newValue }
    }

    /// The record's fields, indexed from zero.
    @inlinable
    public var fields: Fields {
        get { Fields(storage: storage) }
        set { storage.replaceSubrange(1..., with: newValue.storage.dropFirst()) }
    }

    /// The label and fields as one sequence, label first: the shape the total order compares.
    @inlinable
    public var labelAndFields: [Value<Embedded>] { storage }

    /// A zero-based view of a record's fields.
    public struct Fields: RandomAccessCollection, Sendable {
        @usableFromInline
        var storage: [Value<Embedded>]

        @inlinable
        init(storage: [Value<Embedded>]) { self.storage = storage }

        @inlinable public var startIndex: Int { 0 }
        @inlinable public var endIndex: Int { storage.count - 1 }

        // Stated rather than inherited from the collection protocols' defaults: code that is
        // not specialised for `Embedded` (generated parsers in another module, built without
        // cross-module optimisation) would otherwise look up the metadata of ranges and index
        // types on every field access.
        @inlinable public var count: Int { storage.count - 1 }
        @inlinable public var isEmpty: Bool { storage.count <= 1 }
        @inlinable public func index(after i: Int) -> Int { i + 1 }
        @inlinable public func distance(from start: Int, to end: Int) -> Int { end - start }

        @inlinable
        public subscript(position: Int) -> Value<Embedded> {
            precondition(position >= 0 && position < endIndex, "record field index out of range")
            return storage[position + 1]
        }
    }
}

extension Record: Hashable {
    @inlinable
    public static func == (lhs: Record, rhs: Record) -> Bool { lhs.storage == rhs.storage }

    @inlinable
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

extension Record: Comparable {
    public static func < (lhs: Record, rhs: Record) -> Bool {
        ValueOrder.compareSequences(lhs.storage, rhs.storage) < 0
    }
}

/// Binary input that schema-generated types read themselves from directly, without building
/// the `Value` of their envelope first (``SchemaRepresentable/init(binary:)``).
///
/// Direct reading is a fast path only. It succeeds just where parsing the decoded value would
/// succeed, with the same result, but it may give up where that would succeed too (an
/// annotation where the envelope's structure is expected, an unusual encoding). Any failure is
/// thrown as a cheap `SchemaParseError` without detail: callers start again on the ordinary path
/// (``BinaryReader/decodePrefix(_:from:)`` then `init(preserves:)`), which reports the
/// error with its position or path, so bad input is described exactly as before. The limits
/// of the reader hold on both paths: nesting is counted as the ordinary reader counts it, and
/// no value is accepted that exceeds the size limit.
///
/// Generated code calls these methods; they are not meant to be called directly.
public struct BinarySource<Embedded: PreservesEmbedded> {
    @usableFromInline var cursor: BinaryCursor<Embedded>

    @inlinable
    init(cursor: BinaryCursor<Embedded>) {
        self.cursor = cursor
    }

    /// The failure of the fast path: the caller reads the value the ordinary way instead.
    @inlinable
    static var miss: SchemaParseError {
        SchemaParseError(definition: "binary", expected: "the direct encoding of a schema type")
    }

    /// Reads a whole value, as the reader does.
    @inlinable
    public mutating func readValue() throws(SchemaParseError) -> Value<Embedded> {
        do {
            return try cursor.readValue()
        } catch {
            throw Self.miss
        }
    }

    /// Reads a `SignedInteger` (the pattern `int` of schema `definition`). A minimal integer of
    /// at most 8 bytes, the usual case, is read in place; anything else (an annotation, a larger
    /// integer, another kind of value) is read as a value and parsed, with the same result or
    /// error as parsing the decoded value.
    @inlinable
    public mutating func readInteger(_ definition: StaticString) throws(SchemaParseError) -> SignedInteger {
        let i = cursor.index
        let buffer = cursor.buffer
        if i + 2 <= buffer.count, buffer[i] == BinaryTag.signedInteger {
            let count = Int(buffer[i + 1])
            let end = i + 2 + count
            if count >= 1, count <= 8, end <= buffer.count, end - cursor.valueStart <= cursor.reader.limits.maxSize {
                let first = buffer[i + 2]
                // Minimal: no lone zero byte, no leading byte that only repeats the sign.
                let minimal = count == 1
                    ? first != 0
                    : !((first == 0x00 && buffer[i + 3] & 0x80 == 0) || (first == 0xFF && buffer[i + 3] & 0x80 != 0))
                if minimal {
                    var n = Int(Int8(bitPattern: first))
                    var k = i + 3
                    while k < end {
                        n = (n << 8) | Int(buffer[k])
                        k += 1
                    }
                    cursor.index = end
                    return .small(n)
                }
            }
        }
        return try SchemaParsing.integer(readValue(), definition)
    }

    @inlinable @inline(__always)
    func byte(at offset: Int) -> UInt8? {
        let i = cursor.index + offset
        return i < cursor.buffer.count ? cursor.buffer[i] : nil
    }

    /// Whether the next value starts without an annotation, on itself or on a record's label,
    /// so that its first bytes tell which alternative of a definition it can be.
    @inlinable
    public func startsPlainly() -> Bool {
        guard let tag = byte(at: 0), tag != BinaryTag.annotation else { return false }
        if tag == BinaryTag.record { return byte(at: 1).map { $0 != BinaryTag.annotation } ?? false }
        return true
    }

    /// The kinds of value, as the first byte of their encoding tells them apart.
    public enum Start: Sendable {
        case boolean(Bool), double, integer, string, byteString, symbol
        case record, sequence, set, dictionary, embedded

        @inlinable
        var tag: UInt8 {
            switch self {
            case .boolean(let b): b ? BinaryTag.true : BinaryTag.false
            case .double: BinaryTag.double
            case .integer: BinaryTag.signedInteger
            case .string: BinaryTag.string
            case .byteString: BinaryTag.byteString
            case .symbol: BinaryTag.symbol
            case .record: BinaryTag.record
            case .sequence: BinaryTag.sequence
            case .set: BinaryTag.set
            case .dictionary: BinaryTag.dictionary
            case .embedded: BinaryTag.embedded
            }
        }
    }

    /// Whether the next value is of the kind `start` (see ``startsPlainly()``).
    @inlinable
    public func starts(with start: Start) -> Bool {
        byte(at: 0) == start.tag
    }

    /// Whether the next value is a record labelled with the symbol `label`, in its minimal
    /// encoding. Always inlined: with a literal label (as generated readers pass) the length
    /// and bytes fold into a few compares, where a call cost several times that per alternative.
    @inlinable @inline(__always)
    public func peekRecord(label: StaticString) -> Bool {
        let count = label.utf8CodeUnitCount
        let i = cursor.index
        let buffer = cursor.buffer
        guard count < 0x80, i + 3 + count <= buffer.count, buffer[i] == BinaryTag.record,
            buffer[i + 1] == BinaryTag.symbol, buffer[i + 2] == UInt8(truncatingIfNeeded: count)
        else { return false }
        let start = i + 3
        guard label.hasPointerRepresentation else {
            return label.withUTF8Buffer { name in
                for k in 0..<count where buffer[start + k] != name[k] { return false }
                return true
            }
        }
        // The label's bytes in place: no closure to call for the few bytes of a label.
        let name = label.utf8Start
        var k = 0
        while k < count {
            if buffer[start + k] != name[k] { return false }
            k += 1
        }
        return true
    }

    @inlinable @inline(__always)
    mutating func enter(_ tag: UInt8) throws(SchemaParseError) {
        guard byte(at: 0) == tag, cursor.index - cursor.valueStart < cursor.reader.limits.maxSize else { throw Self.miss }
        cursor.index += 1
        do {
            try cursor.enter()
        } catch {
            throw Self.miss
        }
    }

    /// Reads the start of a record labelled with the symbol `label`; its fields follow.
    @inlinable
    public mutating func beginRecord(label: StaticString) throws(SchemaParseError) {
        guard peekRecord(label: label) else { throw Self.miss }
        try enter(BinaryTag.record)
        cursor.index += 2 + label.utf8CodeUnitCount
    }

    /// Reads the start of a sequence; its elements follow.
    @inlinable
    public mutating func beginSequence() throws(SchemaParseError) {
        try enter(BinaryTag.sequence)
    }

    /// Whether the record or sequence being read has no more items.
    @inlinable
    public func atEnd() throws(SchemaParseError) -> Bool {
        guard let tag = byte(at: 0) else { throw Self.miss }
        return tag == BinaryTag.end
    }

    /// Whether the record or sequence being read has more items.
    @inlinable
    public func hasMore() throws(SchemaParseError) -> Bool {
        try !atEnd()
    }

    /// Reads the end of the record or sequence being read, after any items the definition
    /// does not name (a record may have more fields than its pattern, a tuple more elements).
    @inlinable
    public mutating func end() throws(SchemaParseError) {
        while try !atEnd() {
            _ = try readValue()
        }
        cursor.index += 1
        cursor.depth -= 1
    }
}

extension BinaryReader {
    /// Reads a value of the schema type `T` directly from the bytes starting at `offset` in
    /// `buffer`, returning it and the offset just past it; `nil` where the direct reading gave
    /// up (see ``BinarySource``), for any reason: then decode the value with
    /// ``decodePrefix(_:from:)`` and parse it with `init(preserves:)`, which either succeeds
    /// with the same result or reports why the input is bad.
    @inlinable
    public func decodePrefix<T: SchemaRepresentable>(
        _ type: T.Type, _ buffer: UnsafeRawBufferPointer, from offset: Int = 0
    ) -> (value: T, end: Int)? where T.Embedded == Embedded {
        guard offset < buffer.count else { return nil }
        var source = BinarySource(cursor: BinaryCursor(buffer: buffer, reader: self))
        source.cursor.index = offset
        source.cursor.valueStart = offset
        guard let value = try? T(binary: &source), source.cursor.index - offset <= limits.maxSize else { return nil }
        return (value, source.cursor.index)
    }

    /// ``decodePrefix(_:_:from:)``, telling also whether the value holds any embedded value
    /// (when it holds none, its parts can change embedding without being walked: see
    /// ``Value/reinterpretedKnowingNoEmbedded(as:)``).
    @inlinable
    public func decodePrefixNotingEmbedded<T: SchemaRepresentable>(
        _ type: T.Type, _ buffer: UnsafeRawBufferPointer, from offset: Int = 0
    ) -> (value: T, end: Int, containsEmbedded: Bool)? where T.Embedded == Embedded {
        guard offset < buffer.count else { return nil }
        var source = BinarySource(cursor: BinaryCursor(buffer: buffer, reader: self))
        source.cursor.index = offset
        source.cursor.valueStart = offset
        guard let value = try? T(binary: &source), source.cursor.index - offset <= limits.maxSize else { return nil }
        return (value, source.cursor.index, source.cursor.embeddedCount != 0)
    }
}

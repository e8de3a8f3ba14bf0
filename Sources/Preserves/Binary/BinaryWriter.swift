/// Writes values in the Preserves binary syntax.
///
/// By default the output is the *canonical form*: no annotations, set elements and dictionary
/// entries sorted by the bytes of their canonical encodings, shortest lengths and integers.
/// With ``BinaryWriterOptions/keepAnnotations`` set, annotations are written too, still in canonical order
/// (sorted by the annotation-free encodings).
public struct BinaryWriter<Embedded: PreservesEmbedded>: Sendable {
    public typealias Options = BinaryWriterOptions

    public var options: Options
    /// Gives the value to write after tag `0x86` for an embedded value.
    public var encodeEmbedded: @Sendable (Embedded) -> Value<Embedded>

    public init(options: Options = .canonical, encodeEmbedded: @escaping @Sendable (Embedded) -> Value<Embedded>) {
        self.options = options
        self.encodeEmbedded = encodeEmbedded
    }

    // The entry points are inlinable so that the encoder is specialised for the caller's
    // `Embedded` type (see `BinaryReader`).

    /// Encodes `value` into a new byte array.
    @inlinable
    public func encode(_ value: Value<Embedded>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        encode(value, into: &out)
        return out
    }

    /// Appends the encoding of `value` to `output`.
    @inlinable
    public func encode(_ value: Value<Embedded>, into output: inout [UInt8]) {
        var emitter = BinaryEmitter(writer: self, output: output)
        output = []  // let the emitter own the only reference, so appends do not copy
        emitter.write(value)
        output = emitter.output
    }

    /// Encodes a schema-generated value straight into a new byte array, without building
    /// its `Value` first (see ``SchemaRepresentable/write(to:)``). The bytes are those of
    /// `encode(x.preserves)`.
    /// `reservingCapacity` sizes the output up front (for instance, like the last packet).
    @inlinable
    public func encode<T: SchemaRepresentable>(_ x: T, reservingCapacity capacity: Int = 64) -> [UInt8] where T.Embedded == Embedded {
        var emitter = BinaryEmitter(writer: self, output: [])
        emitter.output.reserveCapacity(capacity)
        x.write(to: &emitter)
        return emitter.output
    }
}

extension BinaryWriter where Embedded: PreservesEmbeddedCodable {
    public init(options: Options = .canonical) {
        self.init(options: options) { $0.preservesRepresentation }
    }
}

extension Value where Embedded: PreservesEmbeddedCodable {
    /// The canonical binary encoding of this value (annotations dropped).
    public var canonicalBinary: [UInt8] { BinaryWriter(options: .canonical).encode(self) }

    /// The binary encoding of this value.
    public func binary(options: BinaryWriter<Embedded>.Options = .canonical) -> [UInt8] {
        BinaryWriter(options: options).encode(self)
    }
}

/// The encoding state for one call to `BinaryWriter.encode`: the bytes written so far.
///
/// Schema-generated types write themselves into an emitter directly (``SchemaRepresentable/write(to:)``),
/// record and sequence envelopes piece by piece and everything else through ``write(_:)``, so the
/// output is the same as the writer's encoding of the whole value.
public struct BinaryEmitter<Embedded: PreservesEmbedded> {
    @usableFromInline let writer: BinaryWriter<Embedded>
    /// The encoded bytes.
    public var output: [UInt8]
    /// How many embedded values have been written (so a caller can tell values that hold none,
    /// having found out while writing them rather than by a walk of its own).
    public var embeddedCount = 0

    /// An emitter appending to `output` with `writer`'s options.
    @inlinable
    public init(writer: BinaryWriter<Embedded>, output: [UInt8] = []) {
        self.writer = writer
        self.output = output
    }

    /// Starts a record: the label and the fields follow, then ``end()``.
    @inlinable
    public mutating func beginRecord() { output.append(BinaryTag.record) }

    /// Starts a sequence: the elements follow, then ``end()``.
    @inlinable
    public mutating func beginSequence() { output.append(BinaryTag.sequence) }

    /// Ends the record or sequence begun last.
    @inlinable
    public mutating func end() { output.append(BinaryTag.end) }

    /// Writes the symbol called `name`.
    @inlinable @_disfavoredOverload
    public mutating func writeSymbol(_ name: String) { writeText(BinaryTag.symbol, name) }

    /// Writes the symbol called `name`, a literal (such as a record label in generated code):
    /// its bytes are copied from where they are, with no `String` made or looked into.
    @inlinable
    public mutating func writeSymbol(_ name: StaticString) {
        guard name.hasPointerRepresentation else { return writeText(BinaryTag.symbol, name.description) }
        let count = name.utf8CodeUnitCount
        output.append(BinaryTag.symbol)
        writeLength(count)
        if count == 1 {
            output.append(name.utf8Start.pointee)
        } else {
            output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: count))
        }
    }

    /// Writes an embedded value (tag `0x86`, then the writer's representation of it).
    @inlinable
    public mutating func writeEmbedded(_ e: Embedded) {
        embeddedCount &+= 1
        output.append(BinaryTag.embedded)
        write(writer.encodeEmbedded(e))
    }

    /// Writes a signed integer.
    @inlinable
    public mutating func writeInteger(_ i: SignedInteger) {
        output.append(BinaryTag.signedInteger)
        if case .small(let n) = i {
            // A machine word has at most 8 bytes: its length fits in one byte.
            var count = SignedInteger.byteCount(n)
            output.append(UInt8(truncatingIfNeeded: count))
            while count > 0 {
                count -= 1
                output.append(UInt8(truncatingIfNeeded: n >> (count &* 8)))
            }
            return
        }
        writeLength(i.twosComplementByteCount)
        i.appendTwosComplementBytes(to: &output)
    }

    @inlinable @inline(__always)
    mutating func writeLength(_ n: Int) {
        var n = UInt(n)
        while n >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        output.append(UInt8(n))
    }

    @inlinable
    mutating func writeText(_ tag: UInt8, _ text: String) {
        output.append(tag)
        // Borrowed in place (native and small strings): no copy of the string to make mutable.
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in writeUTF8(utf8) }
        if written == nil {
            var text = text
            text.withUTF8 { utf8 in writeUTF8(utf8) }
        }
    }

    @inlinable @inline(__always)
    mutating func writeUTF8(_ utf8: UnsafeBufferPointer<UInt8>) {
        writeLength(utf8.count)
        // One byte (a label such as `M`) costs less appended alone than in bulk.
        if utf8.count == 1 { output.append(utf8[0]) } else { output.append(contentsOf: utf8) }
    }

    /// Writes `value` (sets and dictionaries in canonical order when the options say so).
    @inlinable
    public mutating func write(_ value: Value<Embedded>) {
        switch value {
        case .boolean(let b):
            output.append(b ? BinaryTag.true : BinaryTag.false)
        case .double(let d):
            output.append(BinaryTag.double)
            output.append(8)
            let bits = d.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) {
                output.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            }
        case .integer(let i):
            writeInteger(i)
        case .string(let s):
            writeText(BinaryTag.string, s)
        case .byteString(let b):
            output.append(BinaryTag.byteString)
            writeLength(b.count)
            output.append(contentsOf: b)
        case .symbol(let s):
            writeText(BinaryTag.symbol, s.name)
        case .record(let r):
            output.append(BinaryTag.record)
            for item in r.storage { write(item) }
            output.append(BinaryTag.end)
        case .sequence(let items):
            output.append(BinaryTag.sequence)
            for item in items { write(item) }
            output.append(BinaryTag.end)
        case .set(let items):
            output.append(BinaryTag.set)
            if writer.options.sortCollections && items.count > 1 {
                writeSorted(Array(items)) { emitter, item in emitter.write(item) } sortKey: { $0 }
            } else {
                for item in items { write(item) }
            }
            output.append(BinaryTag.end)
        case .dictionary(let entries):
            output.append(BinaryTag.dictionary)
            if writer.options.sortCollections && entries.count > 1 {
                writeSorted(Array(entries)) { emitter, entry in
                    emitter.write(entry.key)
                    emitter.write(entry.value)
                } sortKey: { $0.key }
            } else {
                for (k, v) in entries {
                    write(k)
                    write(v)
                }
            }
            output.append(BinaryTag.end)
        case .embedded(let e):
            writeEmbedded(e)
        case .annotated(let a):
            if writer.options.keepAnnotations {
                for annotation in a.annotations {
                    output.append(BinaryTag.annotation)
                    write(annotation)
                }
            }
            write(a.value)
        }
    }

    /// Writes `items` in the order of the canonical encodings of their sort keys.
    ///
    /// Items are first written one after another, remembering where each one's key lies; then
    /// the region is permuted into sorted order. When annotations are written, the key bytes
    /// in the output may carry annotations, so the annotation-free key is encoded separately.
    @inlinable
    mutating func writeSorted<Item>(
        _ items: [Item],
        write writeItem: (inout BinaryEmitter, Item) -> Void,
        sortKey: (Item) -> Value<Embedded>
    ) {
        let regionStart = output.count
        var spans: [(start: Int, end: Int, key: [UInt8]?)] = []
        spans.reserveCapacity(items.count)
        let separateKeys = writer.options.keepAnnotations
        let canonical = BinaryWriter(options: .canonical, encodeEmbedded: writer.encodeEmbedded)
        for item in items {
            let start = output.count
            writeItem(&self, item)
            let key = sortKey(item)
            // Annotations can hide inside embedded values' representations, which
            // `containsAnnotations` cannot see, so with annotations on, always sort by the
            // separately encoded annotation-free key.
            let needsSeparateKey = separateKeys
            spans.append((start, output.count, needsSeparateKey ? canonical.encode(key) : nil))
        }
        let region = Array(output[regionStart...])
        let order = region.withUnsafeBufferPointer { bytes -> [Int] in
            func spanBytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: bytes[(spans[i].start - regionStart)..<(spans[i].end - regionStart)])
            }
            return spans.indices.sorted { a, b in
                // Encodings are prefix-free and keys are unique, so comparing a whole entry's
                // bytes orders entries exactly as comparing their keys' bytes would.
                if spans[a].key == nil && spans[b].key == nil {
                    return spanBytes(a).lexicographicallyPrecedes(spanBytes(b))
                }
                let ka = spans[a].key ?? Array(spanBytes(a))
                let kb = spans[b].key ?? Array(spanBytes(b))
                return ka.lexicographicallyPrecedes(kb)
            }
        }
        output.removeSubrange(regionStart...)
        for i in order {
            output.append(contentsOf: region[(spans[i].start - regionStart)..<(spans[i].end - regionStart)])
        }
    }
}

/// Options for `BinaryWriter`.
public struct BinaryWriterOptions: Sendable, Hashable {
    /// Write annotations instead of dropping them.
    public var keepAnnotations: Bool
    /// Sort set elements and dictionary entries canonically. Turning this off is faster,
    /// but the order then depends on Swift's hashing and differs from run to run.
    public var sortCollections: Bool

    public init(keepAnnotations: Bool = false, sortCollections: Bool = true) {
        self.keepAnnotations = keepAnnotations
        self.sortCollections = sortCollections
    }

    /// Canonical binary form.
    public static let canonical = BinaryWriterOptions()
    /// Canonical order, with annotations kept.
    public static let annotated = BinaryWriterOptions(keepAnnotations: true)
}

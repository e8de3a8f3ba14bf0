/// Reads values in the Preserves binary syntax.
///
/// ```swift
/// let value = try IOValue(binary: bytes)
/// ```
///
/// The reader validates everything the specification requires — tags, minimal lengths and
/// integers, UTF-8, record labels, duplicate set elements and dictionary keys — and bounds its
/// work by ``ReaderLimits``. Errors say whether the input was malformed or just ended early.
public struct BinaryReader<Embedded: PreservesEmbedded>: Sendable {
    /// Limits on nesting and size.
    public var limits: ReaderLimits
    /// Whether annotations are kept (as ``Value/annotated(_:)``) or dropped.
    public var keepAnnotations: Bool
    /// Turns the value written after tag `0x86` into an embedded value.
    public var decodeEmbedded: @Sendable (Value<Embedded>) throws -> Embedded

    /// Creates a reader with a custom embedded-value decoder.
    public init(
        limits: ReaderLimits = .default,
        keepAnnotations: Bool = false,
        decodeEmbedded: @escaping @Sendable (Value<Embedded>) throws -> Embedded
    ) {
        self.limits = limits
        self.keepAnnotations = keepAnnotations
        self.decodeEmbedded = decodeEmbedded
    }

    /// Decodes exactly one value that occupies all of `bytes`.
    public func decode(_ bytes: some Collection<UInt8>) throws(BinaryDecodingError) -> Value<Embedded> {
        try withContiguousBytes(bytes) { buffer throws(BinaryDecodingError) in
            var cursor = BinaryCursor(buffer: buffer, reader: self)
            let value = try cursor.readTopLevel()
            if cursor.index != buffer.count {
                throw BinaryDecodingError(.malformed, at: cursor.index, "unexpected bytes after the value")
            }
            return value
        }
    }

    /// Decodes every value in `bytes`, one after another.
    public func decodeAll(_ bytes: some Collection<UInt8>) throws(BinaryDecodingError) -> [Value<Embedded>] {
        try withContiguousBytes(bytes) { buffer throws(BinaryDecodingError) in
            var cursor = BinaryCursor(buffer: buffer, reader: self)
            var values: [Value<Embedded>] = []
            while cursor.index < buffer.count {
                values.append(try cursor.readTopLevel())
            }
            return values
        }
    }

    /// Decodes the value starting at `offset` in `buffer`, returning it and the offset just past it.
    public func decodePrefix(
        _ buffer: UnsafeRawBufferPointer, from offset: Int = 0
    ) throws(BinaryDecodingError) -> (value: Value<Embedded>, end: Int) {
        var cursor = BinaryCursor(buffer: buffer, reader: self)
        cursor.index = offset
        let value = try cursor.readTopLevel()
        return (value, cursor.index)
    }
}

extension BinaryReader where Embedded: PreservesEmbeddedCodable {
    /// Creates a reader that decodes embedded values with their `PreservesEmbeddedCodable` conformance.
    public init(limits: ReaderLimits = .default, keepAnnotations: Bool = false) {
        self.init(limits: limits, keepAnnotations: keepAnnotations) { try Embedded(preservesRepresentation: $0) }
    }
}

extension Value where Embedded: PreservesEmbeddedCodable {
    /// Decodes exactly one value from the Preserves binary syntax.
    public init(
        binary bytes: some Collection<UInt8>, limits: ReaderLimits = .default, keepAnnotations: Bool = false
    ) throws(BinaryDecodingError) {
        self = try BinaryReader(limits: limits, keepAnnotations: keepAnnotations).decode(bytes)
    }
}

@inline(__always)
func withContiguousBytes<C: Collection<UInt8>, R>(
    _ bytes: C, _ body: (UnsafeRawBufferPointer) throws(BinaryDecodingError) -> R
) throws(BinaryDecodingError) -> R {
    // Typed throws cannot pass through withContiguousStorageIfAvailable, so carry the result out.
    var result: Result<R, BinaryDecodingError>?
    bytes.withContiguousStorageIfAvailable { storage in
        result = Result { () throws(BinaryDecodingError) -> R in try body(UnsafeRawBufferPointer(storage)) }
    }
    if result == nil {
        let copy = Array(bytes)
        copy.withUnsafeBytes { buffer in
            result = Result { () throws(BinaryDecodingError) -> R in try body(buffer) }
        }
    }
    return try result!.get()
}

/// The decoding state over one contiguous buffer.
struct BinaryCursor<Embedded: PreservesEmbedded> {
    let buffer: UnsafeRawBufferPointer
    let reader: BinaryReader<Embedded>
    var index = 0
    var depth = 0
    var valueStart = 0

    init(buffer: UnsafeRawBufferPointer, reader: BinaryReader<Embedded>) {
        self.buffer = buffer
        self.reader = reader
    }

    mutating func readTopLevel() throws(BinaryDecodingError) -> Value<Embedded> {
        if index >= buffer.count {
            throw BinaryDecodingError(.endOfInput, at: index, "no input")
        }
        valueStart = index
        depth = 0
        return try readValue()
    }

    private func truncated(_ what: String) -> BinaryDecodingError {
        BinaryDecodingError(.truncated, at: index, "input ended inside \(what)")
    }

    private func malformed(_ message: String, at offset: Int? = nil) -> BinaryDecodingError {
        BinaryDecodingError(.malformed, at: offset ?? index, message)
    }

    @inline(__always)
    private mutating func nextByte(_ what: String) throws(BinaryDecodingError) -> UInt8 {
        guard index < buffer.count else { throw truncated(what) }
        let b = buffer[index]
        index += 1
        return b
    }

    @inline(__always)
    private func peekByte(_ what: String) throws(BinaryDecodingError) -> UInt8 {
        guard index < buffer.count else { throw truncated(what) }
        return buffer[index]
    }

    private mutating func enter() throws(BinaryDecodingError) {
        depth += 1
        if depth > reader.limits.maxDepth {
            throw BinaryDecodingError(.limitExceeded, at: index, "nesting deeper than \(reader.limits.maxDepth)")
        }
    }

    /// Reads a minimal unsigned LEB128 length and checks that its payload is in bounds.
    private mutating func readLength(_ what: String) throws(BinaryDecodingError) -> Int {
        let start = index
        var result = 0
        var shift = 0
        while true {
            let b = try nextByte("the length of \(what)")
            if shift >= 63 || (shift == 56 && b > 0x7F) {
                throw BinaryDecodingError(.limitExceeded, at: start, "length of \(what) is too large")
            }
            result |= Int(b & 0x7F) << shift
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 { throw malformed("non-minimal length encoding", at: start) }
                break
            }
            shift += 7
        }
        if result > reader.limits.maxSize || (index - valueStart) + result > reader.limits.maxSize {
            throw BinaryDecodingError(.limitExceeded, at: start, "\(what) of \(result) bytes exceeds the size limit")
        }
        if result > buffer.count - index {
            index = buffer.count
            throw truncated(what)
        }
        return result
    }

    private mutating func readPayload(_ what: String) throws(BinaryDecodingError) -> UnsafeRawBufferPointer {
        let n = try readLength(what)
        let slice = UnsafeRawBufferPointer(rebasing: buffer[index..<(index + n)])
        index += n
        return slice
    }

    mutating func readValue() throws(BinaryDecodingError) -> Value<Embedded> {
        let tagOffset = index
        let tag = try nextByte("a value")
        switch tag {
        case BinaryTag.false:
            return .boolean(false)
        case BinaryTag.true:
            return .boolean(true)
        case BinaryTag.double:
            let payload = try readPayload("a double")
            guard payload.count == 8 else {
                throw malformed("a double must have 8 bytes, not \(payload.count)", at: tagOffset)
            }
            var bits: UInt64 = 0
            for b in payload { bits = (bits << 8) | UInt64(b) }
            return .double(Double(bitPattern: bits))
        case BinaryTag.signedInteger:
            let payload = try readPayload("an integer")
            if payload.count >= 2 {
                let first = payload[0]
                let second = payload[1]
                if (first == 0x00 && second & 0x80 == 0) || (first == 0xFF && second & 0x80 != 0) {
                    throw malformed("non-minimal integer encoding", at: tagOffset)
                }
            }
            return .integer(SignedInteger(twosComplementBytes: payload))
        case BinaryTag.string:
            let payload = try readPayload("a string")
            guard let s = String(validating: payload, as: UTF8.self) else {
                throw malformed("string is not valid UTF-8", at: tagOffset)
            }
            return .string(s)
        case BinaryTag.byteString:
            let payload = try readPayload("a byte string")
            return .byteString(Array(payload))
        case BinaryTag.symbol:
            let payload = try readPayload("a symbol")
            guard let s = String(validating: payload, as: UTF8.self) else {
                throw malformed("symbol is not valid UTF-8", at: tagOffset)
            }
            return .symbol(Symbol(s))
        case BinaryTag.record:
            try enter()
            defer { depth -= 1 }
            if try peekByte("a record") == BinaryTag.end {
                throw malformed("a record must have a label", at: tagOffset)
            }
            var items: [Value<Embedded>] = []
            while try peekByte("a record") != BinaryTag.end {
                items.append(try readValue())
            }
            index += 1
            return .record(Record(labelAndFields: items))
        case BinaryTag.sequence:
            try enter()
            defer { depth -= 1 }
            var items: [Value<Embedded>] = []
            while try peekByte("a sequence") != BinaryTag.end {
                items.append(try readValue())
            }
            index += 1
            return .sequence(items)
        case BinaryTag.set:
            try enter()
            defer { depth -= 1 }
            var items = Set<Value<Embedded>>()
            while try peekByte("a set") != BinaryTag.end {
                let at = index
                let item = try readValue()
                if !items.insert(item).inserted { throw malformed("duplicate set element", at: at) }
            }
            index += 1
            return .set(items)
        case BinaryTag.dictionary:
            try enter()
            defer { depth -= 1 }
            var entries = [Value<Embedded>: Value<Embedded>]()
            while try peekByte("a dictionary") != BinaryTag.end {
                let at = index
                let key = try readValue()
                if try peekByte("a dictionary") == BinaryTag.end {
                    throw malformed("dictionary key has no value", at: index)
                }
                let value = try readValue()
                if entries.updateValue(value, forKey: key) != nil {
                    throw malformed("duplicate dictionary key", at: at)
                }
            }
            index += 1
            return .dictionary(entries)
        case BinaryTag.embedded:
            try enter()
            defer { depth -= 1 }
            let representation = try readValue()
            do {
                return .embedded(try reader.decodeEmbedded(representation))
            } catch {
                throw malformed("invalid embedded value: \(error)", at: tagOffset)
            }
        case BinaryTag.annotation:
            try enter()
            defer { depth -= 1 }
            if try peekByte("an annotation") == BinaryTag.end { throw malformed("an annotation cannot be empty") }
            let annotation = try readValue()
            if try peekByte("an annotated value") == BinaryTag.end {
                throw malformed("an annotation must be followed by a value")
            }
            let value = try readValue()
            return reader.keepAnnotations ? value.annotated(with: [annotation]) : value
        case BinaryTag.end:
            throw malformed("end marker where a value should start", at: tagOffset)
        default:
            throw malformed("invalid tag 0x\(String(tag, radix: 16))", at: tagOffset)
        }
    }
}

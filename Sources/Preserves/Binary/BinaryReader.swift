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

    // The entry points are inlinable so that the decoder is specialised for the caller's
    // `Embedded` type: unspecialised generic code spends most of its time looking up the
    // metadata of `Value<Embedded>` and its arrays.

    /// Decodes exactly one value that occupies all of `bytes`.
    @inlinable
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
    @inlinable
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
    @inlinable
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

@inlinable @inline(__always)
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

/// The errors the decoder throws, built out of line: they are the cold path, and building
/// their messages (string interpolation) must cost nothing while decoding succeeds.
@usableFromInline
enum BinaryReaderError {
    @usableFromInline @inline(never)
    static func truncated(at offset: Int, _ what: StaticString) -> BinaryDecodingError {
        BinaryDecodingError(.truncated, at: offset, "input ended inside \(what)")
    }

    @usableFromInline @inline(never)
    static func truncatedLength(at offset: Int, _ what: StaticString) -> BinaryDecodingError {
        BinaryDecodingError(.truncated, at: offset, "input ended inside the length of \(what)")
    }

    @usableFromInline @inline(never)
    static func malformed(at offset: Int, _ message: String) -> BinaryDecodingError {
        BinaryDecodingError(.malformed, at: offset, message)
    }

    @usableFromInline @inline(never)
    static func lengthTooLarge(at offset: Int, _ what: StaticString) -> BinaryDecodingError {
        BinaryDecodingError(.limitExceeded, at: offset, "length of \(what) is too large")
    }

    @usableFromInline @inline(never)
    static func payloadTooLarge(at offset: Int, _ what: StaticString, _ length: Int) -> BinaryDecodingError {
        BinaryDecodingError(.limitExceeded, at: offset, "\(what) of \(length) bytes exceeds the size limit")
    }

    @usableFromInline @inline(never)
    static func integerTooLarge(at offset: Int, _ count: Int, _ digits: Int) -> BinaryDecodingError {
        BinaryDecodingError(.limitExceeded, at: offset, "integer of \(count) bytes exceeds the limit of \(digits) decimal digits")
    }

    @usableFromInline @inline(never)
    static func tooDeep(at offset: Int, _ maxDepth: Int) -> BinaryDecodingError {
        BinaryDecodingError(.limitExceeded, at: offset, "nesting deeper than \(maxDepth)")
    }

    @usableFromInline @inline(never)
    static func doubleSize(at offset: Int, _ count: Int) -> BinaryDecodingError {
        BinaryDecodingError(.malformed, at: offset, "a double must have 8 bytes, not \(count)")
    }

    @usableFromInline @inline(never)
    static func invalidEmbedded(at offset: Int, _ error: any Error) -> BinaryDecodingError {
        BinaryDecodingError(.malformed, at: offset, "invalid embedded value: \(error)")
    }

    @usableFromInline @inline(never)
    static func invalidTag(at offset: Int, _ tag: UInt8) -> BinaryDecodingError {
        BinaryDecodingError(.malformed, at: offset, "invalid tag 0x\(String(tag, radix: 16))")
    }
}

/// The decoding state over one contiguous buffer.
///
/// Inlinable (with the reader's entry points) so that it is specialised for each `Embedded`.
@usableFromInline
struct BinaryCursor<Embedded: PreservesEmbedded> {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let reader: BinaryReader<Embedded>
    @usableFromInline var index = 0
    @usableFromInline var depth = 0
    @usableFromInline var valueStart = 0
    /// The items of the compounds being read, innermost last. Each compound's items are moved
    /// from here into an array of exactly the right size once its end is reached, instead of
    /// growing an array of its own one append at a time.
    @usableFromInline var stack: [Value<Embedded>] = []
    /// How many items of `stack` are in use. The slots above hold trivial values, kept so
    /// that the stack never shrinks (shrinking an array costs more than reusing its slots).
    @usableFromInline var stackTop = 0
    /// How many embedded values have been read (so a caller can tell values that hold none).
    @usableFromInline var embeddedCount = 0
    /// The last short symbol and string read: labels and the texts of fields recur from one
    /// value of a packet to the next, and a recurring one is not built again.
    @usableFromInline var recentSymbol = RecentText()
    @usableFromInline var recentString = RecentText()

    @inlinable
    init(buffer: UnsafeRawBufferPointer, reader: BinaryReader<Embedded>) {
        self.buffer = buffer
        self.reader = reader
    }

    @inlinable
    mutating func readTopLevel() throws(BinaryDecodingError) -> Value<Embedded> {
        if index >= buffer.count {
            throw BinaryDecodingError(.endOfInput, at: index, "no input")
        }
        valueStart = index
        depth = 0
        return try readValue()
    }

    @inlinable @inline(__always)
    mutating func nextByte(_ what: StaticString) throws(BinaryDecodingError) -> UInt8 {
        guard index < buffer.count else { throw BinaryReaderError.truncated(at: index, what) }
        let b = buffer[index]
        index += 1
        return b
    }

    @inlinable @inline(__always)
    func peekByte(_ what: StaticString) throws(BinaryDecodingError) -> UInt8 {
        guard index < buffer.count else { throw BinaryReaderError.truncated(at: index, what) }
        return buffer[index]
    }

    @inlinable @inline(__always)
    mutating func enter() throws(BinaryDecodingError) {
        depth += 1
        if depth > reader.limits.maxDepth {
            throw BinaryReaderError.tooDeep(at: index, reader.limits.maxDepth)
        }
    }

    /// Moves the items pushed since `base` off the stack, into a new array.
    @inlinable
    mutating func popItems(from base: Int) -> [Value<Embedded>] {
        let count = stackTop - base
        if count == 0 { return [] }
        if count <= 4 {
            // Small compounds (a record's label and a field or three) as array literals: one
            // allocation of the exact size, cheaper than reserving capacity on an empty array.
            let items = stack.withUnsafeMutableBufferPointer { all -> [Value<Embedded>] in
                let source = all.baseAddress! + base
                func take(_ i: Int) -> Value<Embedded> {
                    defer { (source + i).initialize(to: .boolean(false)) }
                    return (source + i).move()
                }
                switch count {
                case 1: return [take(0)]
                case 2: return [take(0), take(1)]
                case 3: return [take(0), take(1), take(2)]
                default: return [take(0), take(1), take(2), take(3)]
                }
            }
            stackTop = base
            return items
        }
        // `reserveCapacity` and `append` are specialised for the element type; building the
        // array with `init(unsafeUninitializedCapacity:)` would look up its class's generic
        // metadata at run time, every time.
        var items: [Value<Embedded>] = []
        items.reserveCapacity(count)
        stack.withUnsafeMutableBufferPointer { all in
            let source = all.baseAddress! + base
            for i in 0..<count {
                items.append((source + i).move())
                // The moved-from slot still belongs to the stack: refill it with a trivial value.
                (source + i).initialize(to: .boolean(false))
            }
        }
        stackTop = base
        return items
    }

    /// Pushes a compound's item onto the stack.
    @inlinable @inline(__always)
    mutating func push(_ item: Value<Embedded>) {
        if stackTop < stack.count {
            stack[stackTop] = item
        } else {
            stack.append(item)
        }
        stackTop += 1
    }

    /// About how many items the set or dictionary whose items start at `index` holds, to size
    /// it before it is read: it is then hashed into once, never rehashed as it grows.
    ///
    /// Walks tags and lengths only, over at most `countItemsBudget` bytes, so nested
    /// compounds cost a bounded amount of re-scanning. Stops early at anything unexpected:
    /// the count is only a capacity hint, and `readValue` reports errors.
    @inlinable
    func countItems() -> Int {
        let limit = Swift.min(buffer.count, index + Self.countItemsBudget)
        var i = index
        var count = 0
        var nesting = 0
        while i < limit {
            let tag = buffer[i]
            i += 1
            switch tag {
            case BinaryTag.false, BinaryTag.true:
                if nesting == 0 { count += 1 }
            case BinaryTag.double, BinaryTag.signedInteger, BinaryTag.string, BinaryTag.byteString, BinaryTag.symbol:
                if nesting == 0 { count += 1 }
                var length = 0
                var shift = 0
                while i < limit && shift < 63 {
                    let b = buffer[i]
                    i += 1
                    length |= Int(b & 0x7F) << shift
                    if b & 0x80 == 0 { break }
                    shift += 7
                }
                guard length >= 0 && length <= limit - i else { return Swift.max(count, 0) }
                i += length
            case BinaryTag.record, BinaryTag.sequence, BinaryTag.set, BinaryTag.dictionary:
                if nesting == 0 { count += 1 }
                nesting += 1
            case BinaryTag.end:
                if nesting == 0 { return Swift.max(count, 0) }
                nesting -= 1
            case BinaryTag.annotation:
                // An annotation and the value it annotates make one item.
                if nesting == 0 { count -= 1 }
            case BinaryTag.embedded:
                break  // the embedded value's representation is the item
            default:
                return Swift.max(count, 0)
            }
        }
        return Swift.max(count, 0)
    }

    /// How many bytes `countItems` looks at, at most.
    @inlinable
    static var countItemsBudget: Int { 1024 }

    /// Makes room on the stack for a compound's items.
    @inlinable @inline(__always)
    mutating func stackBase() -> Int {
        if stack.capacity == 0 { stack.reserveCapacity(16) }
        return stackTop
    }

    /// `payload` as a String, or `nil` if it is not valid UTF-8.
    @inlinable @inline(__always)
    static func decodeUTF8(_ payload: UnsafeRawBufferPointer) -> String? {
        // The standard library's fast path (a small string is filled in place), but it repairs
        // ill-formed input with U+FFFD rather than failing: ASCII needs no check, and otherwise
        // the input was valid exactly when the result has the same bytes.
        var s = String(unsafeUninitializedCapacity: payload.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: payload)
            return payload.count
        }
        if isASCII(payload) { return s }
        let valid = s.withUTF8 { decoded in ScalarText.bytesEqual(UnsafeRawBufferPointer(decoded), payload) }
        return valid ? s : nil
    }

    /// `payload` as a String, or `nil` if it is not valid UTF-8, taken from `recent` when it
    /// has the same bytes (only short texts are remembered: their bytes fit in two words).
    @inlinable @inline(__always)
    static func decodeUTF8(_ payload: UnsafeRawBufferPointer, recent: inout RecentText) -> String? {
        let count = payload.count
        guard count <= RecentText.maxCount else { return decodeUTF8(payload) }
        let (low, high) = RecentText.key(payload)
        if recent.count == count && recent.low == low && recent.high == high { return recent.text }
        guard let text = decodeUTF8(payload) else { return nil }
        recent = RecentText(count: count, low: low, high: high, text: text)
        return text
    }

    @inlinable @inline(__always)
    static func isASCII(_ raw: UnsafeRawBufferPointer) -> Bool {
        let count = raw.count
        var bits: UInt64 = 0
        if count >= 8 {
            var i = 0
            while i + 8 <= count {
                bits |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            bits |= raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)  // the tail, overlapping
        } else if count >= 4 {
            bits = UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
                | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        } else {
            for byte in raw { bits |= UInt64(byte) }
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// Reads a minimal unsigned LEB128 length and checks that its payload is in bounds.
    @inlinable @inline(__always)
    mutating func readLength(_ what: StaticString) throws(BinaryDecodingError) -> Int {
        let start = index
        var result = 0
        var shift = 0
        while true {
            guard index < buffer.count else { throw BinaryReaderError.truncatedLength(at: index, what) }
            let b = buffer[index]
            index += 1
            if shift >= 63 || (shift == 56 && b > 0x7F) {
                throw BinaryReaderError.lengthTooLarge(at: start, what)
            }
            result |= Int(b & 0x7F) << shift
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 { throw BinaryReaderError.malformed(at: start, "non-minimal length encoding") }
                break
            }
            shift += 7
        }
        let maxSize = reader.limits.maxSize
        // Saturating: a huge claimed length must neither overflow nor allocate.
        let (total, overflow) = (index - valueStart).addingReportingOverflow(result)
        if result > maxSize || (overflow ? Int.max : total) > maxSize {
            throw BinaryReaderError.payloadTooLarge(at: start, what, result)
        }
        if result > buffer.count - index {
            index = buffer.count
            throw BinaryReaderError.truncated(at: index, what)
        }
        return result
    }

    @inlinable @inline(__always)
    mutating func readPayload(_ what: StaticString) throws(BinaryDecodingError) -> UnsafeRawBufferPointer {
        let n = try readLength(what)
        let slice = UnsafeRawBufferPointer(rebasing: buffer[index..<(index + n)])
        index += n
        return slice
    }

    @inlinable
    mutating func readValue() throws(BinaryDecodingError) -> Value<Embedded> {
        let tagOffset = index
        if tagOffset - valueStart >= reader.limits.maxSize {
            throw BinaryDecodingError(.limitExceeded, at: tagOffset, "value exceeds the size limit of \(reader.limits.maxSize) bytes")
        }
        let tag = try nextByte("a value")
        switch tag {
        case BinaryTag.false:
            return .boolean(false)
        case BinaryTag.true:
            return .boolean(true)
        case BinaryTag.double:
            let payload = try readPayload("a double")
            guard payload.count == 8 else {
                throw BinaryReaderError.doubleSize(at: tagOffset, payload.count)
            }
            let bits = payload.loadUnaligned(as: UInt64.self)
            return .double(Double(bitPattern: UInt64(bigEndian: bits)))
        case BinaryTag.signedInteger:
            let payload = try readPayload("an integer")
            let count = payload.count
            if count == 1 && payload[0] == 0 {
                throw BinaryReaderError.malformed(at: tagOffset, "non-minimal integer encoding")
            }
            if count >= 2 {
                let first = payload[0]
                let second = payload[1]
                if (first == 0x00 && second & 0x80 == 0) || (first == 0xFF && second & 0x80 != 0) {
                    throw BinaryReaderError.malformed(at: tagOffset, "non-minimal integer encoding")
                }
            }
            guard count <= 8 else {
                if count > reader.limits.maxIntegerBytes {
                    throw BinaryReaderError.integerTooLarge(at: tagOffset, count, reader.limits.maxIntegerDigits)
                }
                return .integer(SignedInteger(twosComplementBytes: payload))
            }
            // The inline case of SignedInteger(twosComplementBytes:), without its generic detour.
            guard count > 0 else { return .integer(.small(0)) }
            var n = Int(Int8(bitPattern: payload[0]))
            var i = 1
            while i < count {
                n = (n << 8) | Int(payload[i])
                i += 1
            }
            return .integer(.small(n))
        case BinaryTag.string:
            let payload = try readPayload("a string")
            guard let s = Self.decodeUTF8(payload, recent: &recentString) else {
                throw BinaryReaderError.malformed(at: tagOffset, "string is not valid UTF-8")
            }
            return .string(s)
        case BinaryTag.byteString:
            let payload = try readPayload("a byte string")
            return .byteString([UInt8](payload))
        case BinaryTag.symbol:
            let payload = try readPayload("a symbol")
            guard let s = Self.decodeUTF8(payload, recent: &recentSymbol) else {
                throw BinaryReaderError.malformed(at: tagOffset, "symbol is not valid UTF-8")
            }
            return .symbol(Symbol(s))
        case BinaryTag.record:
            try enter()
            defer { depth -= 1 }
            if try peekByte("a record") == BinaryTag.end {
                throw BinaryReaderError.malformed(at: tagOffset, "a record must have a label")
            }
            let base = stackBase()
            while try peekByte("a record") != BinaryTag.end {
                let item = try readValue()
                push(item)
            }
            index += 1
            return .record(Record(labelAndFields: popItems(from: base)))
        case BinaryTag.sequence:
            try enter()
            defer { depth -= 1 }
            let base = stackBase()
            while try peekByte("a sequence") != BinaryTag.end {
                let item = try readValue()
                push(item)
            }
            index += 1
            return .sequence(popItems(from: base))
        case BinaryTag.set:
            try enter()
            defer { depth -= 1 }
            // Sized in advance, so that elements are hashed once and never rehashed as the set
            // grows. (`init(minimumCapacity:)` is not specialised and looks up the storage's
            // generic metadata, which costs about as much as one growth step: not worth it for
            // one or two elements.)
            let expected = countItems()
            var items = expected > 2 ? Set<Value<Embedded>>(minimumCapacity: expected) : Set<Value<Embedded>>()
            while try peekByte("a set") != BinaryTag.end {
                let at = index
                let item = try readValue()
                if !items.insert(consume item).inserted {
                    throw BinaryReaderError.malformed(at: at, "duplicate set element")
                }
            }
            index += 1
            return .set(items)
        case BinaryTag.dictionary:
            try enter()
            defer { depth -= 1 }
            let expected = countItems() / 2  // sized in advance, as for sets
            var entries = expected > 2
                ? [Value<Embedded>: Value<Embedded>](minimumCapacity: expected) : [Value<Embedded>: Value<Embedded>]()
            while try peekByte("a dictionary") != BinaryTag.end {
                let at = index
                let key = try readValue()
                if try peekByte("a dictionary") == BinaryTag.end {
                    throw BinaryReaderError.malformed(at: index, "dictionary key has no value")
                }
                let value = try readValue()
                if entries.updateValue(consume value, forKey: consume key) != nil {
                    throw BinaryReaderError.malformed(at: at, "duplicate dictionary key")
                }
            }
            index += 1
            return .dictionary(entries)
        case BinaryTag.embedded:
            try enter()
            defer { depth -= 1 }
            let representation = try readValue()
            embeddedCount &+= 1
            do {
                return .embedded(try reader.decodeEmbedded(representation))
            } catch {
                throw BinaryReaderError.invalidEmbedded(at: tagOffset, error)
            }
        case BinaryTag.annotation:
            try enter()
            defer { depth -= 1 }
            if try peekByte("an annotation") == BinaryTag.end {
                throw BinaryReaderError.malformed(at: index, "an annotation cannot be empty")
            }
            let annotation = try readValue()
            if try peekByte("an annotated value") == BinaryTag.end {
                throw BinaryReaderError.malformed(at: index, "an annotation must be followed by a value")
            }
            let value = try readValue()
            return reader.keepAnnotations ? value.annotated(with: [annotation]) : value
        case BinaryTag.end:
            throw BinaryReaderError.malformed(at: tagOffset, "end marker where a value should start")
        default:
            throw BinaryReaderError.invalidTag(at: tagOffset, tag)
        }
    }
}


/// A short text a cursor read last, and its bytes, to be compared with the next one's.
@usableFromInline
struct RecentText {
    /// Texts of at most this many bytes are remembered: as many as two words hold, less one,
    /// so that they are also the strings Swift stores inline.
    @usableFromInline static var maxCount: Int { 15 }

    /// The number of bytes; -1 while nothing is remembered.
    @usableFromInline var count: Int
    @usableFromInline var low: UInt64
    @usableFromInline var high: UInt64
    @usableFromInline var text: String

    @inlinable
    init(count: Int = -1, low: UInt64 = 0, high: UInt64 = 0, text: String = "") {
        self.count = count
        self.low = low
        self.high = high
        self.text = text
    }

    /// Two words that, with the count, tell apart any two texts of at most ``maxCount`` bytes:
    /// the first and the last eight (or four) bytes, overlapping where the text is shorter.
    @inlinable @inline(__always)
    static func key(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let count = bytes.count
        if count >= 8 {
            return (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        if count >= 4 {
            return (UInt64(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)),
                    UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
        }
        var low: UInt64 = 0
        for byte in bytes { low = low << 8 | UInt64(byte) }
        return (low, 0)
    }
}

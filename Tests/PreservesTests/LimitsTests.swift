import Preserves
import Testing

/// `ReaderLimits` bound what untrusted input can make a reader do: nesting fails with
/// `.limitExceeded` instead of overflowing the stack, and a claimed length is checked before
/// anything is allocated for it.
@Suite(.timeLimit(.minutes(2))) struct LimitsTests {
    static let deep = 100_000
    static let small = ReaderLimits(maxDepth: 3, maxSize: 40)

    // MARK: - Helpers

    static func textError(_ text: String, limits: ReaderLimits = .default, keepAnnotations: Bool = false) -> TextParseError? {
        do {
            _ = try TextReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations).decode(text)
            return nil
        } catch {
            return error
        }
    }

    static func binaryError(_ bytes: [UInt8], limits: ReaderLimits = .default, keepAnnotations: Bool = false) -> BinaryDecodingError? {
        do {
            _ = try BinaryReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations).decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// What the frame scanner makes of `bytes` in one go: a frame length, nil (needs more), or an error.
    static func scan(_ bytes: [UInt8], limits: ReaderLimits = .default) -> Result<Int?, BinaryDecodingError> {
        var scanner = BinaryFrameScanner(limits: limits)
        return Result { () throws(BinaryDecodingError) -> Int? in try scanFrame(&scanner, bytes) }
    }

    /// What a stream decoder makes of `bytes` delivered in one chunk.
    static func stream(_ bytes: [UInt8], limits: ReaderLimits = .default) -> Result<[IOValue], BinaryDecodingError> {
        var decoder = BinaryStreamDecoder<IOEmbedded>(limits: limits)
        decoder.append(bytes)
        var values: [IOValue] = []
        return Result { () throws(BinaryDecodingError) -> [IOValue] in
            while let v = try decoder.next() { values.append(v) }
            return values
        }
    }

    static func varint(_ n: UInt64) -> [UInt8] {
        var n = n
        var out: [UInt8] = []
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        return out
    }

    static func nested(_ open: String, _ close: String, _ depth: Int, inner: String = "") -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    static func nested(_ open: UInt8, _ depth: Int, inner: [UInt8] = [], close: UInt8? = 0x84) -> [UInt8] {
        Array(repeating: open, count: depth) + inner + (close.map { Array(repeating: $0, count: depth) } ?? [])
    }

    // MARK: - Deep nesting in text

    @Test(arguments: [
        ("[", "]", ""), ("<", ">", "a"), ("#{", "}", ""), ("{a: ", "}", "1"), ("@", "", "1"), ("@a ", "", "1"),
        ("#:", "", "1"), ("[@x #:<l ", ">]", "1"),
    ])
    func deepTextNestingIsALimitNotACrash(open: String, close: String, inner: String) {
        // Unclosed, and closed: either way the depth limit is hit first.
        for text in [String(repeating: open, count: Self.deep), Self.nested(open, close, Self.deep, inner: inner)] {
            for keep in [false, true] {
                let error = Self.textError(text, keepAnnotations: keep)
                #expect(error?.kind == .limitExceeded, "\(open)…: \(String(describing: error))")
                #expect(error?.line == 1)
                #expect((error?.offset ?? .max) < 257 * open.utf8.count + 8, "the reader should stop at the limit")
            }
        }
    }

    @Test func textNestingUpToTheLimitSucceeds() throws {
        let limit = ReaderLimits.default.maxDepth
        #expect(limit == 256)
        let atLimit = try IOValue(text: Self.nested("[", "]", limit))
        var v = atLimit
        var depth = 0
        while let inner = v.sequence {
            depth += 1
            v = inner.first ?? .boolean(false)
        }
        #expect(depth == limit)
        #expect(Self.textError(Self.nested("[", "]", limit + 1))?.kind == .limitExceeded)

        // Annotations and embeddeds count as levels too.
        #expect(Self.textError(Self.nested("@a ", "", limit, inner: "1"), keepAnnotations: true) == nil)
        #expect(Self.textError(Self.nested("@a ", "", limit + 1, inner: "1"))?.kind == .limitExceeded)
        #expect(Self.textError(Self.nested("#:", "", limit, inner: "1")) == nil)
        #expect(Self.textError(Self.nested("#:", "", limit + 1, inner: "1"))?.kind == .limitExceeded)
        #expect(Self.textError(Self.nested("[", "]", limit - 1, inner: "#:0")) == nil)
        #expect(Self.textError(Self.nested("[", "]", limit, inner: "#:0"))?.kind == .limitExceeded)

        // A custom depth.
        let three = ReaderLimits(maxDepth: 3, maxSize: 1000)
        #expect(Self.textError("[[[1]]]", limits: three) == nil)
        #expect(Self.textError("[[[[1]]]]", limits: three)?.kind == .limitExceeded)
        #expect(Self.textError("{k: <r [1]>}", limits: three) == nil)
        #expect(Self.textError("{k: <r [#{}]>}", limits: three)?.kind == .limitExceeded)
        #expect(Self.textError("1", limits: ReaderLimits(maxDepth: 0, maxSize: 10)) == nil)
        #expect(Self.textError("[]", limits: ReaderLimits(maxDepth: 0, maxSize: 10))?.kind == .limitExceeded)
    }

    @Test func manyCommentsAreNotNesting() throws {
        // Comments on one value are a flat list, not a nesting, and need no recursion.
        let text = String(repeating: "# a comment\n", count: 20_000) + "1"
        #expect(try IOValue(text: text) == 1)
        let kept = try IOValue(text: text, limits: .trusted, keepAnnotations: true)
        #expect(kept.annotations.count == 20_000)
        #expect(kept.annotations.first == "a comment")
    }

    @Test func deepValuesWrittenByTheWritersReadBackAtTheLimit() throws {
        var v: IOValue = 0
        for i in 0..<ReaderLimits.default.maxDepth {
            v = i % 3 == 0 ? [v] : (i % 3 == 1 ? .record("r", v) : .embedded(IOEmbedded(v)))
        }
        #expect(try IOValue(text: v.text()) == v)
        #expect(try IOValue(text: v.text(options: .indented)) == v)
        #expect(try IOValue(binary: v.canonicalBinary) == v)
        let deeper: IOValue = [v]
        #expect(Self.textError(deeper.text())?.kind == .limitExceeded)
        #expect(Self.binaryError(deeper.canonicalBinary)?.kind == .limitExceeded)
    }

    // MARK: - Deep nesting in binary

    @Test(arguments: [0xB4, 0xB5, 0xB6, 0xB7, 0x85, 0x86] as [UInt8])
    func deepBinaryNestingIsALimitNotACrash(tag: UInt8) {
        let unclosed = Array(repeating: tag, count: Self.deep)
        // Closed forms: compounds end with 84; annotations and embeddeds need a value at the bottom.
        let isPrefix = tag == 0x85 || tag == 0x86
        let closed: [UInt8] =
            isPrefix
            ? Array(repeating: tag, count: Self.deep) + [0xB0, 0x00]
                + (tag == 0x85 ? Array(Array(repeating: [UInt8]([0xB0, 0x00]), count: Self.deep).joined()) : [])
            : Self.nested(tag, Self.deep, inner: tag == 0xB4 || tag == 0xB7 ? [0x80] : [])
        for bytes in [unclosed, closed] {
            for keep in [false, true] {
                let error = Self.binaryError(bytes, keepAnnotations: keep)
                #expect(error?.kind == .limitExceeded, "tag \(tag): \(String(describing: error))")
                #expect((error?.offset ?? .max) <= 257)
            }
            switch Self.scan(bytes) {
            case .failure(let error): #expect(error.kind == .limitExceeded)
            case .success(let n): Issue.record("scanner returned \(String(describing: n)) for \(Self.deep) × \(tag)")
            }
            switch Self.stream(bytes) {
            case .failure(let error): #expect(error.kind == .limitExceeded)
            case .success(let values): Issue.record("stream decoder returned \(values.count) values for \(Self.deep) × \(tag)")
            }
        }
    }

    @Test func binaryNestingUpToTheLimitSucceeds() throws {
        let limit = ReaderLimits.default.maxDepth
        for tag: UInt8 in [0xB5, 0xB6] {
            let ok = Self.nested(tag, limit)
            let tooDeep = Self.nested(tag, limit + 1)
            #expect(Self.binaryError(ok) == nil)
            #expect(Self.binaryError(tooDeep)?.kind == .limitExceeded)
            #expect(try Self.scan(ok).get() == ok.count)
            #expect(throws: BinaryDecodingError.self) { try Self.scan(tooDeep).get() }
            #expect((try? Self.stream(ok).get().count) == 1)
            #expect(throws: BinaryDecodingError.self) { try Self.stream(tooDeep).get() }
        }
        // Embeddeds and annotations are levels as well.
        let embedded = Array(repeating: UInt8(0x86), count: limit) + [0xB0, 0x00]
        #expect(Self.binaryError(embedded) == nil)
        #expect(try Self.scan(embedded).get() == embedded.count)
        #expect(Self.binaryError([0x86] + embedded)?.kind == .limitExceeded)
        #expect(throws: BinaryDecodingError.self) { try Self.scan([0x86] + embedded).get() }
        let annotated: [UInt8] = Array(Array(repeating: [UInt8]([0x85, 0x80]), count: limit).joined()) + [0x81]
        #expect(Self.binaryError(annotated, keepAnnotations: true) == nil)
        #expect(try Self.scan(annotated).get() == annotated.count)
        #expect(Self.binaryError([0x85, 0x80] + annotated)?.kind == .limitExceeded)
        #expect(throws: BinaryDecodingError.self) { try Self.scan([0x85, 0x80] + annotated).get() }

        let three = ReaderLimits(maxDepth: 3, maxSize: 1000)
        #expect(Self.binaryError(bytes(hex: "b5 b5 b5 b00101 84 84 84"), limits: three) == nil)
        #expect(Self.binaryError(bytes(hex: "b5 b5 b5 b5 84 84 84 84"), limits: three)?.kind == .limitExceeded)
        #expect(throws: BinaryDecodingError.self) { try Self.scan(bytes(hex: "b5 b5 b5 b5 84 84 84 84"), limits: three).get() }
        #expect(try Self.scan(bytes(hex: "b5 b5 b5 84 84 84"), limits: three).get() == 6)
    }

    // MARK: - Claimed lengths

    @Test(arguments: [0xB0, 0xB1, 0xB2, 0xB3, 0x87] as [UInt8])
    func hugeClaimedLengthDoesNotAllocate(tag: UInt8) {
        let huge = [tag] + Self.varint(1 << 60) + Array("abc".utf8)
        for limits in [ReaderLimits.default, ReaderLimits(maxDepth: 4, maxSize: 1000), Self.small] {
            #expect(Self.binaryError(huge, limits: limits)?.kind == .limitExceeded, "\(limits)")
            #expect(Self.binaryError([0xB5] + huge, limits: limits)?.kind == .limitExceeded, "\(limits)")
            #expect(throws: BinaryDecodingError.self) { try Self.scan(huge, limits: limits).get() }
            #expect(throws: BinaryDecodingError.self) { try Self.stream(huge, limits: limits).get() }
        }
        // With no size limit the reader must notice the bytes are missing, not try to get them.
        #expect(Self.binaryError(huge, limits: .trusted)?.kind == .truncated)
        #expect(Self.binaryError([0xB5] + huge, limits: .trusted)?.kind == .truncated)
        #expect((try? Self.scan(huge, limits: .trusted).get()) == .some(nil))
        #expect((try? Self.stream(huge, limits: .trusted).get())?.isEmpty == true)
        // A length that needs more than 63 bits is rejected whatever the limits.
        let tooWide = [tag] + Array(repeating: 0xFF, count: 9) + [0x01]
        for limits in [ReaderLimits.default, .trusted] {
            let error = Self.binaryError(tooWide, limits: limits)
            #expect(error?.kind == .limitExceeded || error?.kind == .malformed, "\(String(describing: error))")
        }
    }

    @Test
    func largestLengthWithoutASizeLimitIsTruncatedNotATrap() {
        // A 63-bit length (the largest the varint reader accepts) with `.trusted` limits: the
        // reader computes `(index - valueStart) + length` and the scanner `at + 1 + header +
        // length`, both of which overflow `Int` and trap.
        let largest = [UInt8(0xB1)] + Self.varint(UInt64(Int.max)) + Array("abc".utf8)
        #expect(Self.binaryError(largest, limits: .trusted)?.kind == .truncated)
        #expect((try? Self.scan(largest, limits: .trusted).get()) == .some(nil))
        #expect((try? Self.stream(largest, limits: .trusted).get())?.isEmpty == true)
        let nearly = [UInt8(0xB2)] + Self.varint(UInt64(Int.max) - 5) + [0, 0]
        #expect(Self.binaryError([0xB5, 0xB5] + nearly, limits: .trusted)?.kind == .truncated)
        #expect((try? Self.scan([0xB5, 0xB5] + nearly, limits: .trusted).get()) == .some(nil))
    }

    // MARK: - maxSize

    @Test func binaryAtomSizeIsEnforced() throws {
        let value: IOValue = .string(String(repeating: "x", count: 100))
        let encoded = value.canonicalBinary
        #expect(encoded.count == 102)
        let exact = ReaderLimits(maxDepth: 10, maxSize: encoded.count)
        let under = ReaderLimits(maxDepth: 10, maxSize: encoded.count - 1)
        #expect(try IOValue(binary: encoded, limits: exact) == value)
        #expect(Self.binaryError(encoded, limits: under)?.kind == .limitExceeded)
        #expect(try Self.scan(encoded, limits: exact).get() == encoded.count)
        #expect(throws: BinaryDecodingError.self) { try Self.scan(encoded, limits: under).get() }
        // The limit holds before the payload has arrived.
        #expect(Self.binaryError(Array(encoded.prefix(5)), limits: under)?.kind == .limitExceeded)
        #expect(throws: BinaryDecodingError.self) { try Self.scan(Array(encoded.prefix(5)), limits: under).get() }
        // The size limit applies to each value of a stream, not to the stream.
        let twice = encoded + encoded
        #expect(try BinaryReader<IOEmbedded>(limits: exact).decodeAll(twice) == [value, value])
        #expect(try Self.stream(twice, limits: exact).get() == [value, value])
    }

    @Test func binaryCompoundSizeIsEnforced() throws {
        // 202 bytes of booleans in a sequence: no single length is large, but the value is.
        let sequence = [UInt8(0xB5)] + Array(repeating: 0x80, count: 200) + [0x84]
        let limits = ReaderLimits(maxDepth: 10, maxSize: 100)
        switch Self.scan(sequence, limits: limits) {
        case .failure(let error): #expect(error.kind == .limitExceeded)
        case .success(let n): Issue.record("scanner accepted \(String(describing: n)) bytes with maxSize 100")
        }
        #expect(
            Self.binaryError(sequence, limits: limits)?.kind == .limitExceeded,
            "BinaryReader must enforce maxSize on a whole value, not only on each length")
        // Small strings that together exceed the limit.
        let strings: [UInt8] = [0xB5] + Array(Array(repeating: [UInt8]([0xB1, 0x03, 0x61, 0x62, 0x63]), count: 30).joined()) + [0x84]
        #expect(Self.binaryError(strings, limits: limits)?.kind == .limitExceeded)
        #expect(Self.binaryError(sequence, limits: ReaderLimits(maxDepth: 10, maxSize: sequence.count)) == nil)
    }

    @Test func textSizeIsEnforced() throws {
        let text = "\"" + String(repeating: "x", count: 98) + "\""
        #expect(text.utf8.count == 100)
        #expect(try IOValue(text: text, limits: ReaderLimits(maxDepth: 10, maxSize: 100)).string?.count == 98)
        #expect(Self.textError(text, limits: ReaderLimits(maxDepth: 10, maxSize: 99))?.kind == .limitExceeded)
        let list = "[" + String(repeating: "1 ", count: 100) + "]"
        #expect(Self.textError(list, limits: ReaderLimits(maxDepth: 10, maxSize: 100))?.kind == .limitExceeded)
        #expect(Self.textError(list, limits: ReaderLimits(maxDepth: 10, maxSize: list.utf8.count)) == nil)
        // Per value, not per document.
        let reader = TextReader<IOEmbedded>(limits: ReaderLimits(maxDepth: 10, maxSize: 100))
        #expect(try reader.decodeAll(text + " " + text + "\n" + text).count == 3)
    }
}

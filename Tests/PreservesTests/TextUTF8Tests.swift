import Preserves
import Testing
import TestSupport

/// Text syntax is strict UTF-8 wherever text appears: ill-formed bytes are a typed error with a
/// position — never a trap, never repaired, never decoded as some other character — and a
/// sequence cut short by the end of the input is "truncated", because more input may complete it.
@Suite struct TextUTF8Tests {
    static let reader = TextReader<IOEmbedded>(keepAnnotations: true)

    /// Reads `bytes` the way a network reader does (the raw-buffer entry point, no checking
    /// up front) and the way a file reader does; both must agree.
    static func read(_ bytes: [UInt8]) -> (prefix: Result<IOValue?, TextParseError>, whole: Result<IOValue, TextParseError>) {
        let prefix = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(TextParseError) -> IOValue? in try reader.decodePrefix(buffer)?.value }
        }
        let whole = Result { () throws(TextParseError) -> IOValue in try reader.decode(utf8: bytes) }
        return (prefix, whole)
    }

    static func error(_ bytes: [UInt8]) -> TextParseError? {
        if case .failure(let e) = read(bytes).whole { return e }
        return nil
    }

    @Test("ill-formed UTF-8 found by an attacker is a malformed error at its offset", arguments: [
        // (bytes, offset, column)
        ([0x5B, 0xFF, 0x5D, 0x0A], 1, 2),  // [\xff]\n — used to trap the broker
        ([0x3C, 0xFF, 0x3E], 1, 2),  // <\xff>
        ([0x5B, 0x61, 0xFF, 0x5D], 2, 3),  // [a\xff]
        ([0x23, 0x7B, 0xFF, 0x7D], 2, 3),  // #{\xff}
        ([0x5B, 0xED, 0xA0, 0x80, 0x5D], 1, 2),  // [\xed\xa0\x80]: a surrogate in a symbol
        ([0x22, 0xFF, 0x22], 1, 2),  // in a string
        ([0x22, 0xC0, 0x80, 0x22], 1, 2),  // overlong NUL
        ([0x22, 0xC1, 0xBF, 0x22], 1, 2),  // overlong DEL
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, 2),  // overlong "/"
        ([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1, 2),  // overlong "/" in four bytes
        ([0x22, 0xE2, 0x82, 0x22], 1, 2),  // a truncated euro sign that is not at the end
        ([0x22, 0xED, 0xBF, 0xBF, 0x22], 1, 2),  // low surrogate
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, 2),  // U+110000
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1, 2),  // F5
        ([0x22, 0x80, 0x22], 1, 2),  // a lone continuation byte
        ([0x27, 0x61, 0xFE, 0x27], 2, 3),  // in a quoted symbol
        ([0x22, 0xC3, 0xA9, 0xFF, 0x22], 3, 3),  // after "é": the column counts scalars
        ([0x22, 0x5C, 0x6E, 0xFF, 0x22], 3, 4),  // after an escape
        ([0x23, 0x20, 0x63, 0xFF, 0x0A, 0x31], 3, 4),  // in a comment
        ([0x23, 0x21, 0xFF, 0x0A, 0x31], 2, 3),  // in a #! line
        ([0x40, 0x61, 0xC0, 0x80, 0x20, 0x31], 2, 3),  // in an annotation's symbol
        ([0x61, 0x62, 0xED, 0xBF, 0xBF], 2, 3),  // a surrogate in a bare word at the end
        ([0x31, 0x32, 0xF8, 0x88, 0x80, 0x80, 0x80], 2, 3),  // a five-byte form after digits
        ([0x23, 0x74, 0xFF], 2, 3),  // after #t, where a delimiter is needed
        ([0xC0], 0, 1),  // C0 can never start a sequence, even at the end
        ([0xED, 0xA0], 0, 1),  // a surrogate's first two bytes, at the end
        ([0xE0, 0x80], 0, 1),  // an overlong form's first two bytes, at the end
        ([0xF4, 0x90], 0, 1),  // beyond U+10FFFF, at the end
    ] as [([UInt8], Int, Int)])
    func illFormed(bytes: [UInt8], offset: Int, column: Int) throws {
        let (prefix, whole) = Self.read(bytes)
        for result in [prefix.map { $0 as IOValue? }, whole.map { $0 as IOValue? }] {
            switch result {
            case .success(let v):
                Issue.record("\(bytes) read as \(String(describing: v))")
            case .failure(let e):
                #expect(e.kind == .malformed, "\(bytes): \(e)")
                #expect(e.offset == offset, "\(bytes): \(e)")
                #expect(e.line == 1 && e.column == column, "\(bytes): \(e)")
            }
        }
    }

    @Test("a sequence cut short is truncated at the end of a stream's buffer, malformed at the end of a whole input", arguments: [
        [0x22, 0x61, 0xE2, 0x82],  // in a string
        [0x61, 0xE2, 0x82],  // in a bare word: the next byte might continue it
        [0xF0, 0x9F, 0x98],
        [0xE2],
        [0x23, 0x74, 0xE2, 0x82],  // after #t
        [0x23, 0x20, 0x63, 0xF0],  // in a comment
        [0x27, 0xF4, 0x8F, 0xBF],  // in a quoted symbol, just below U+10FFFF
    ] as [[UInt8]])
    func cutShort(bytes: [UInt8]) throws {
        let (prefix, whole) = Self.read(bytes)
        guard case .failure(let streamError) = prefix, case .failure(let wholeError) = whole else {
            Issue.record("\(bytes) should fail")
            return
        }
        #expect(streamError.kind == .truncated, "\(bytes): \(streamError)")
        #expect(streamError.isEndOfInput)
        #expect(wholeError.kind == .malformed, "\(bytes): \(wholeError)")
        #expect(wholeError.offset == streamError.offset)
        #expect(bytes[wholeError.offset] >= 0xC2, "at the sequence's first byte")
    }

    @Test func wellFormedTextAtTheEdgesOfTheRanges() throws {
        let cases: [([UInt8], IOValue)] = [
            ([0x22, 0xE2, 0x82, 0xAC, 0x22], "€"),
            ([0x22, 0xED, 0x9F, 0xBF, 0x22], "\u{D7FF}"),  // just below the surrogates
            ([0x22, 0xEE, 0x80, 0x80, 0x22], "\u{E000}"),  // just above them
            ([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22], "\u{10FFFF}"),
            ([0x22, 0xC2, 0x80, 0x22], "\u{80}"),
            ([0x22, 0xE0, 0xA0, 0x80, 0x22], "\u{800}"),
            ([0x22, 0xF0, 0x90, 0x80, 0x80, 0x22], "\u{10000}"),
            ([0x27, 0xF0, 0x9F, 0x98, 0x80, 0x27], .symbol("😀")),
            ([0x5B, 0xF0, 0x9F, 0x98, 0x80, 0x20, 0xC3, 0xA9, 0x5D], [.symbol("😀"), .symbol("é")]),
            ([0x23, 0x20, 0xC3, 0xA9, 0x0A, 0x31], IOValue.integer(1).annotated(with: ["é"])),
            ([0x22, 0x61, 0x5C, 0x6E, 0xC3, 0xA9, 0x5C, 0x74, 0x22], "a\né\t"),
        ]
        for (bytes, expected) in cases {
            let (prefix, whole) = Self.read(bytes)
            #expect(try prefix.get()?.isIdentical(to: expected) == true, "\(bytes)")
            #expect(try whole.get().isIdentical(to: expected), "\(bytes)")
        }
    }

    @Test func surrogateEscapes() throws {
        #expect(try Self.reader.decode(#""\uD83D\uDE00""#) == "😀")
        #expect(try Self.reader.decode(#"'\uD83D\uDE00'"#) == .symbol("😀"))
        #expect(try Self.reader.decode(#""\uD7FF\uE000""#) == "\u{D7FF}\u{E000}")
        for text in [#""\uD800""#, #""\uDFFF""#, #""\uD800\u0041""#, #""\uDC00\uD800""#, #"'\uDBFF'"#, #""\uD800x""#] {
            #expect(throws: TextParseError.self, "\(text)") { try Self.reader.decode(text) }
            #expect((try? Self.reader.decode(text)) == nil)
        }
        do {
            _ = try Self.reader.decode(#""a\uDE00""#)
            Issue.record("a lone low surrogate was accepted")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.offset == 2)
        }
        // Cut short inside a pair: more input may complete it.
        for text in [#""\uD83D"#, #""\uD83D\"#, #""\uD83D\uDE"#] {
            #expect(throws: TextParseError.self) { try Self.reader.decode(text) }
            do { _ = try Self.reader.decode(text) } catch { #expect(error.kind == .truncated, "\(text): \(error)") }
        }
    }

    /// Decoding succeeds only for well-formed UTF-8, and never traps, whatever the bytes.
    @Test func corruptedTextNeverTrapsAndIsNeverAccepted() throws {
        var rng = SplitMix64(seed: 0x5EED_0F_BAD_0_7E47)
        var generator = RandomValueGenerator(seed: 42, annotations: true)
        let writer = TextWriter<IOEmbedded>(options: .compact)
        let nasty: [UInt8] = [0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F, 0x8F, 0x90]
        for _ in 0..<1500 {
            var bytes = Array(writer.write(generator.value()).utf8) + [0x0A]
            for _ in 0..<(1 + rng.below(3)) {
                let at = rng.below(bytes.count)
                if rng.chance(1, in: 2) {
                    bytes[at] = rng.pick(nasty)
                } else {
                    bytes.insert(contentsOf: (0..<(1 + rng.below(3))).map { _ in rng.pick(nasty) }, at: at)
                }
            }
            let (prefix, whole) = Self.read(bytes)
            let valid = String(validating: bytes, as: UTF8.self) != nil
            if case .success = whole {
                #expect(valid, "accepted ill-formed UTF-8: \(bytes)")
            }
            if !valid, case .failure(let e) = whole {
                #expect(e.offset <= bytes.count)
            }
            _ = prefix
        }
    }
}

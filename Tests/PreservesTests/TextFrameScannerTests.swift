import Preserves
import Testing
import TestSupport

/// `TextFrameScanner` finds where text values end in a stream that arrives in pieces: it agrees
/// with `TextReader` on every value, however the stream is split, does work linear in the bytes
/// received, and enforces size and depth limits before a value is complete.
@Suite struct TextFrameScannerTests {
    static let reader = TextReader<IOEmbedded>(keepAnnotations: true)

    enum Outcome: Equatable {
        case needMore
        case complete(Int)
        case failed(TextParseError.Kind, offset: Int)
    }

    /// What the scanner makes of `bytes` in one go.
    static func scan(_ bytes: [UInt8], limits: ReaderLimits = .default) -> Outcome {
        var scanner = TextFrameScanner(limits: limits)
        return scan(&scanner, bytes)
    }

    static func scan(_ scanner: inout TextFrameScanner, _ bytes: [UInt8], from start: Int = 0) -> Outcome {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(TextParseError) -> Int? in try scanner.scan(UnsafeBufferPointer(rebasing: buffer[start...])) }
        }
        switch result {
        case .success(nil): return .needMore
        case .success(let n?): return .complete(n)
        case .failure(let e): return .failed(e.kind, offset: e.offset)
        }
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Splits `stream` into values as a network reader would: appending pieces of the given
    /// sizes (cycled), skipping whitespace between values, scanning after each piece. Returns
    /// each value's (start, end) offsets in the stream.
    static func frames(_ stream: [UInt8], pieces: [Int]) throws -> [(Int, Int)] {
        var received: [UInt8] = []
        var scanner = TextFrameScanner()
        var start = 0
        var out: [(Int, Int)] = []
        var piece = 0
        while received.count < stream.count {
            let n = min(pieces[piece % pieces.count], stream.count - received.count)
            piece += 1
            received += stream[received.count..<(received.count + n)]
            while true {
                while start < received.count && isWhitespace(received[start]) { start += 1 }
                guard start < received.count else { break }
                switch scan(&scanner, received, from: start) {
                case .needMore:
                    break
                case .complete(let length):
                    out.append((start, start + length))
                    start += length
                    scanner.reset()
                    continue
                case .failed(let kind, let offset):
                    throw TextParseError(kind, offset: start + offset, line: 0, column: 0, "scanner failed")
                }
                break
            }
        }
        return out
    }

    /// The values the reader finds in `stream`, with their (start, end) offsets.
    static func readerFrames(_ stream: [UInt8]) throws -> [(Int, Int, IOValue)] {
        try stream.withUnsafeBufferPointer { buffer throws -> [(Int, Int, IOValue)] in
            var offset = 0
            var out: [(Int, Int, IOValue)] = []
            while true {
                while offset < buffer.count && isWhitespace(buffer[offset]) { offset += 1 }
                guard let (value, end) = try reader.decodePrefix(buffer, from: offset) else { break }
                out.append((offset, end, value))
                offset = end
            }
            return out
        }
    }

    /// Checks that scanning `stream` in each of several splittings finds exactly the values the
    /// reader finds, each of which reads back, alone, as the same value.
    static func checkAgreement(_ stream: [UInt8], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try readerFrames(stream)
        for pieces in [[stream.count], [1], [2, 3, 1], [7], [4096]] {
            let found = try frames(stream, pieces: pieces)
            #expect(found.map(\.0) == expected.map(\.0), "\(label), pieces \(pieces): starts", sourceLocation: sourceLocation)
            #expect(found.map(\.1) == expected.map(\.1), "\(label), pieces \(pieces): ends", sourceLocation: sourceLocation)
            for ((start, end), (_, _, value)) in zip(found, expected) {
                let alone = try reader.decode(utf8: stream[start..<end])
                #expect(alone.isIdentical(to: value), "\(label): \(value)", sourceLocation: sourceLocation)
            }
        }
    }

    static let separators = [" ", "\n", "\r\n", "\t ", "  # a comment between values\n", "\n#\n", "#!shebang\n"]

    @Test func conformanceValuesSplitAnyWay() throws {
        let samples = ConformanceSamples.shared.good
        try #require(!samples.isEmpty)
        let compact = TextWriter<IOEmbedded>(options: .compact)
        let indented = TextWriter<IOEmbedded>(options: .indented)
        var stream = ""
        for (i, sample) in samples.enumerated() {
            stream += (i % 2 == 0 ? compact : indented).write(sample.value)
            stream += Self.separators[i % Self.separators.count]
        }
        try Self.checkAgreement(Array(stream.utf8), "conformance samples")
    }

    @Test func randomValuesSplitAnyWay() throws {
        let writers = [TextWriter<IOEmbedded>(options: .compact), TextWriter<IOEmbedded>(options: .indented)]
        for seed in 0..<12 {
            var generator = RandomValueGenerator(seed: UInt64(seed), annotations: true)
            var stream = ""
            for i in 0..<12 {
                stream += writers[i % 2].write(generator.value())
                stream += Self.separators[(i + seed) % Self.separators.count]
            }
            try Self.checkAgreement(Array(stream.utf8), "seed \(seed)")
        }
    }

    /// Places where a value may or may not continue: the scanner must wait for the byte that
    /// decides, and agree with the reader on it.
    @Test func tokensThatEndOnlyAtADelimiter() throws {
        let texts = [
            "a b", "abc[1]", "<a[1]>", "[#f#f]", "#t ", "[#f]", "1 2.5 -3 +4 1e5 1.5e-3", "a@b c", "@a@b@c[]",
            "\"x\"y ", "'q'z ", "#x\"00ff\"1 ", "#xd\"3ff0000000000000\" ", "#[SGk=]x ", "#\"abc\"d ",
            "é ", "[😀]", "[é😀 a\u{301}]", "{a: b, c: d}", "{a:b}", "#{a, b,}", "[,, 1,, 2,,]", "#:[1] ", "#:#:a ",
            "@\"doc\" # comment\n #!interp\n <r>", "[a # c\n]", "<r # c\n x>", "{k: # c\n v}", "# only a comment\n[]",
            "\"a\\\"b\\\\\" ", "'it\\'s' ", "#\"\\\"\\x41\" ", "\"\\u00e9\\uD83D\\uDE00\" ", "-", "+", "...", "a.b/c|d ",
        ]
        for text in texts {
            try Self.checkAgreement(Array((text + "\n").utf8), text.debugDescription)
        }
    }

    /// Every text the conformance suite expects to be cut short makes the scanner wait; none
    /// of the failing texts is an error of another kind.
    @Test func conformanceFailuresAreNeverMisjudged() throws {
        for text in ConformanceSamples.shared.badTexts {
            let bytes = Array(text.utf8)
            let outcome = Self.scan(Array(bytes.drop { Self.isWhitespace($0) }))
            do {
                _ = try Self.reader.decode(text)
                Issue.record("\(text.debugDescription) should fail to read")
            } catch {
                switch (error.kind, outcome) {
                case (.truncated, .needMore), (.endOfInput, .needMore): break
                case (.truncated, _), (.endOfInput, _):
                    Issue.record("\(text.debugDescription) is cut short, but the scanner said \(outcome)")
                case (_, .failed(let kind, _)):
                    #expect(kind == .malformed, "\(text.debugDescription): \(outcome)")
                default:
                    break  // the reader finds the fault once the value is complete
                }
            }
        }
    }

    /// On arbitrary bytes, the scanner never accepts what the reader rejects, never rejects what
    /// it accepts, and never waits for a value the reader has already found.
    @Test func agreesWithTheReaderOnCorruptedText() throws {
        var rng = SplitMix64(seed: 0x5CA_77E4)
        var generator = RandomValueGenerator(seed: 7, annotations: true)
        let writers = [TextWriter<IOEmbedded>(options: .compact), TextWriter<IOEmbedded>(options: .indented)]
        let pieces = Array("[]{}<>#\"'\\@:;,! \n\t\rx#[#{#:#t#f1ae5.-+=/|\u{e9}\u{1F600}\u{A0}".utf8) + [0xFF, 0xC0, 0xED, 0xA0, 0x80, 0xE2, 0x00]
        for round in 0..<4000 {
            var bytes = Array(writers[round % 2].write(generator.value()).utf8)
            for _ in 0..<(1 + rng.below(3)) {
                let at = rng.below(bytes.count + 1)
                switch rng.below(3) {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes[at] = rng.pick(pieces)
                default: bytes.insert(rng.pick(pieces), at: at)
                }
            }
            bytes.append(0x0A)
            let body = Array(bytes.drop { Self.isWhitespace($0) })
            let outcome = Self.scan(body)
            let whole = body.withUnsafeBufferPointer { buffer in
                Result { () throws(TextParseError) -> (IOValue, Int)? in try Self.reader.decodePrefix(buffer).map { ($0.value, $0.end) } }
            }
            let label = "round \(round): \(String(decoding: body, as: UTF8.self).debugDescription)"
            switch (outcome, whole) {
            case (.complete(let end), .success(let read?)):
                #expect(end == read.1, "\(label)")
            case (.complete(let end), _):
                // The reader must reject the value alone too: the framer reads only that much.
                let alone = body[..<end].withUnsafeBufferPointer { buffer in
                    Result { () throws(TextParseError) -> Int? in try Self.reader.decodePrefix(buffer)?.end }
                }
                if case .success = alone { Issue.record("\(label): scanner accepted what the reader rejects") }
            case (.failed(let kind, _), .success):
                Issue.record("\(label): scanner rejected (\(kind)) what the reader accepts")
            case (.failed(let kind, _), .failure(let e)):
                #expect(kind == .malformed && e.kind == .malformed, "\(label): scanner \(kind), reader \(e)")
            case (.needMore, .success(let read?)):
                Issue.record("\(label): scanner waits, the reader found a value ending at \(read.1)")
            case (.needMore, _):
                break
            }
        }
    }

    /// "Truncated" means more input could still make the text valid; the scanner waits
    /// exactly then.
    @Test func truncatedOnlyWhileMoreInputCouldHelp() throws {
        let cases: [(String, TextParseError.Kind)] = [
            (#"#"\x"#, .truncated), (#"#"\x4"#, .truncated), (#"#"\xg"#, .malformed), ("#\"\\x\n", .malformed),
            (#"#"\x4g"#, .malformed), (#""\u12"#, .truncated), (#""\u12x"#, .malformed), (#""\uD83D\"#, .truncated),
            ("#x", .truncated), ("#xd", .truncated), ("#xq", .malformed), ("#xdq", .malformed),
        ]
        for (text, kind) in cases {
            let bytes = Array(text.utf8)
            let read = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(TextParseError) -> Int? in try Self.reader.decodePrefix(buffer)?.end }
            }
            guard case .failure(let e) = read else {
                Issue.record("\(text.debugDescription) read")
                continue
            }
            #expect(e.kind == kind, "\(text.debugDescription): \(e)")
            let outcome = Self.scan(bytes)
            if kind == .truncated {
                #expect(outcome == .needMore, "\(text.debugDescription)")
            } else if case .failed(let k, _) = outcome {
                #expect(k == .malformed)
            }
        }
    }

    // MARK: - Limits, before the value is complete

    @Test func oversizeValuesAreRefusedWhileIncomplete() throws {
        let limits = ReaderLimits(maxDepth: 3, maxSize: 40)
        let forty = String(repeating: "a", count: 38)
        #expect(Self.scan(Array(("\"" + forty + "\" ").utf8), limits: limits) == .complete(40), "exactly at the limit")
        #expect(Self.scan(Array(("[" + forty + "] ").utf8), limits: limits) == .complete(40))
        #expect(Self.scan(Array((String(repeating: "a", count: 40) + " ").utf8), limits: limits) == .complete(40))
        for unclosed in ["\"" + forty + "xyz", "[" + forty + " 123", "# " + forty + "xyz", "#x\"" + String(repeating: "00", count: 20),
                         "#[" + forty + "AAAA", String(repeating: "a", count: 41), "@" + forty + " xyz"] {
            let outcome = Self.scan(Array(unclosed.utf8), limits: limits)
            #expect(outcome == .failed(.limitExceeded, offset: 0), "\(unclosed.prefix(6))…: \(outcome)")
        }
    }

    @Test func deepValuesAreRefusedWhileIncomplete() throws {
        let limits = ReaderLimits(maxDepth: 3, maxSize: 1000)
        #expect(Self.scan(Array("[[[1]]] ".utf8), limits: limits) == .complete(7))
        #expect(Self.scan(Array("@a @b #:c ".utf8), limits: limits) == .complete(9))
        // (opening, where the fourth level opens)
        for (open, fourth) in [("[", 3), ("<", 3), ("{", 3), ("#{", 6), ("#:", 6), ("@", 3), ("[#:@", 4)] {
            let text = String(repeating: open, count: 4)
            #expect(Self.scan(Array(text.utf8), limits: limits) == .failed(.limitExceeded, offset: fourth), "\(text)")
        }
        // The reader's depth limit and the scanner's are the same.
        let reader = TextReader<IOEmbedded>(limits: limits)
        #expect(throws: TextParseError.self) { try reader.decode("[[[[1]]]]") }
        #expect(Self.scan(Array("[[[[1]]]] ".utf8), limits: limits) == .failed(.limitExceeded, offset: 3))
    }

    // MARK: - Work

    @Test func workIsLinearInTheBytesReceived() throws {
        // An unclosed value of every kind of token, received one byte at a time: the scanner
        // looks at each byte a bounded number of times.
        var chunk = ""
        for i in 0..<40 {
            chunk += "abc\(i) \"str\\\"ing é\" 'sym' #x\"00ff\" #[AAAA] <r a> {k: v} # a comment é\n @ann x #t #f 1.5 😀 "
        }
        let bytes = Array(("[" + chunk).utf8)
        var scanner = TextFrameScanner()
        var received: [UInt8] = []
        for b in bytes {
            received.append(b)
            #expect(Self.scan(&scanner, received) == .needMore)
        }
        #expect(scanner.examinedByteCount <= 3 * bytes.count, "\(scanner.examinedByteCount) for \(bytes.count) bytes")
        // Whole, it is about one look per byte.
        var whole = TextFrameScanner()
        #expect(Self.scan(&whole, bytes) == .needMore)
        #expect(whole.examinedByteCount <= bytes.count + bytes.count / 4, "\(whole.examinedByteCount) for \(bytes.count) bytes")
    }

    @Test func illFormedUTF8IsMalformedAndCutShortUTF8Waits() throws {
        #expect(Self.scan([0x5B, 0xFF, 0x5D, 0x0A]) == .failed(.malformed, offset: 1))
        #expect(Self.scan([0x5B, 0x61, 0xED, 0xA0, 0x80, 0x5D]) == .failed(.malformed, offset: 2))
        #expect(Self.scan([0x22, 0xC0, 0x80, 0x22]) == .failed(.malformed, offset: 1))
        #expect(Self.scan([0x23, 0x20, 0xFF, 0x0A, 0x31, 0x20]) == .failed(.malformed, offset: 2))
        #expect(Self.scan([0x22, 0xE2, 0x82]) == .needMore)
        #expect(Self.scan([0x61, 0xE2, 0x82]) == .needMore, "the bare word may go on")
        #expect(Self.scan([0x61, 0xE2, 0x82, 0xAC, 0x20]) == .complete(4))
        #expect(Self.scan([0x23, 0x74, 0xF0, 0x9F]) == .needMore)
    }
}

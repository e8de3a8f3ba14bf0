import Preserves
import Testing
import TestSupport

/// Fuzz-style robustness: random bytes, random mutations of real encodings and every prefix of
/// real encodings go to the binary reader, the text reader, the frame scanner and the stream
/// decoder. Nothing may crash or hang; failures must be the documented typed errors with kinds
/// and positions that make sense; whatever decodes must round-trip.
///
/// Every test uses a fixed seed, so a failure reproduces exactly.
@Suite(.timeLimit(.minutes(2))) struct FuzzTests {
    static let keepingReader = BinaryReader<IOEmbedded>(keepAnnotations: true)
    static let droppingReader = BinaryReader<IOEmbedded>(keepAnnotations: false)
    static let textReader = TextReader<IOEmbedded>(keepAnnotations: true)
    static let canonical = BinaryWriter<IOEmbedded>(options: .canonical)
    static let annotatedWriter = BinaryWriter<IOEmbedded>(options: .annotated)
    static let compact = TextWriter<IOEmbedded>(options: .compact)

    // MARK: - Corpus

    /// Hand-built values that exercise every kind and the awkward corners.
    static let handBuilt: [IOValue] = [
        true, false, 0, 1, -1, 127, 128, -128, -129, 255, 256, 32768,
        .integer(SignedInteger(decimal: "-98765432109876543210987654321098765432109")!),
        0.0, -0.0, 1.5, .double(.infinity), .double(-.infinity), .double(Double(bitPattern: 0x7FF8_0000_0000_0001)),
        "", "hello", "quote\" backslash\\ tab\t nul\u{0} del\u{7F} e\u{301} \u{1F600}",
        .byteString([]), .byteString([0, 1, 2, 0xFF]), .byteString(Array(0...255)), .byteString(Array("abc".utf8)),
        .symbol(""), .symbol("a"), .symbol("1"), .symbol("1.5"), .symbol("a b"), .symbol("é"),
        .record("point", 1, 2), .record(label: ["odd", "label"], fields: []), .record(label: 1, fields: [.symbol("x")]),
        [], [[], [[]]], [1, "two", .symbol("three"), 4.0],
        .set([]), .set([1, 2, 3]), .set(["a", .symbol("a"), 1, 1.0]),
        [:], ["k": .symbol("v"), 1: [2, 3], .symbol("k"): .set([true])],
        .embedded(IOEmbedded(0)), .embedded(IOEmbedded(.embedded(IOEmbedded(.record("ref", 7))))),
        IOValue.integer(9).annotated(with: ["abc"]),
        IOValue.sequence([IOValue.integer(1).annotated(with: [.symbol("a"), .symbol("b")])]).annotated(with: [
            IOValue.integer(2).annotated(with: [1])
        ]),
        .set([IOValue.integer(2).annotated(with: ["a"]), IOValue.integer(1).annotated(with: ["z"])]),
        .dictionary([IOValue.symbol("k").annotated(with: ["c"]): IOValue.string("v").annotated(with: [.record("x")])]),
    ]

    /// Values from the conformance suite (with their annotations), hand-built values and random
    /// values (with annotations), each with its binary encodings and compact text.
    struct Entry: Sendable {
        var value: IOValue
        /// Encodings that decode (keeping annotations) to `value`: the sample's own bytes when
        /// there is one, the annotated-canonical encoding and the canonical encoding.
        var binaries: [[UInt8]]
        var text: String
    }

    static let corpus: [Entry] = {
        var entries: [Entry] = []
        func add(_ value: IOValue, sample: [UInt8]? = nil) {
            var binaries = [annotatedWriter.encode(value)]
            if let sample, sample != binaries[0] { binaries.append(sample) }
            if value.containsAnnotations { binaries.append(canonical.encode(value)) }
            entries.append(Entry(value: value, binaries: binaries, text: compact.write(value)))
        }
        for sample in ConformanceSamples.shared.good { add(sample.value, sample: sample.binary) }
        for v in handBuilt { add(v) }
        var gen = RandomValueGenerator(seed: 0xF022, annotations: true, maxDepth: 3, maxWidth: 4)
        for _ in 0..<40 { add(gen.value()) }
        return entries
    }()

    // MARK: - Checks shared by the tests

    /// Decodes `bytes` with both binary readers and checks the outcome: a typed error with a
    /// sensible kind and offset, or a value that round-trips. Returns the error kind, if any.
    @discardableResult
    static func checkBinary(_ bytes: [UInt8], _ context: @autoclosure () -> String) -> BinaryDecodingError.Kind? {
        var kinds: [BinaryDecodingError.Kind?] = []
        for reader in [keepingReader, droppingReader] {
            do {
                let v = try reader.decode(bytes)
                kinds.append(nil)
                checkRoundTrip(v, context())
            } catch {
                kinds.append(error.kind)
                #expect(error.offset >= 0 && error.offset <= bytes.count, "offset \(error.offset) out of range: \(context())")
                #expect((error.kind == .endOfInput) == bytes.isEmpty, "\(error) for \(context())")
                #expect(!error.message.isEmpty)
            }
        }
        // Dropping annotations must not change whether the input is valid.
        #expect(kinds[0] == kinds[1], "readers disagree (\(kinds)) on \(context())")
        return kinds[0]
    }

    /// Reads `text` and checks the outcome as `checkBinary` does, plus line and column.
    @discardableResult
    static func checkText(_ text: String, _ context: @autoclosure () -> String) -> TextParseError.Kind? {
        do {
            let v = try textReader.decode(text)
            checkRoundTrip(v, context())
            return nil
        } catch {
            checkPosition(error, in: Array(text.utf8), context())
            #expect((error.kind == .endOfInput) == text.isEmpty, "\(error) for \(context())")
            if text.utf8.count < 200 {
                #expect(error.kind != .limitExceeded, "\(error) for short input \(context())")
            }
            return error.kind
        }
    }

    /// The error's offset lies on a scalar boundary, and its line and column (1-based, columns
    /// in Unicode scalars) describe that offset.
    static func checkPosition(_ error: TextParseError, in utf8: [UInt8], _ context: @autoclosure () -> String) {
        guard error.offset >= 0 && error.offset <= utf8.count else {
            Issue.record("offset \(error.offset) out of range 0...\(utf8.count): \(context())")
            return
        }
        if error.offset < utf8.count {
            #expect(utf8[error.offset] & 0xC0 != 0x80, "offset \(error.offset) splits a scalar: \(context())")
        }
        // Lines end at LF (a CR LF pair counts once); columns count scalars from 1.
        let before = utf8[..<error.offset]
        let line = 1 + before.count { $0 == 0x0A }
        let lineStart = (before.lastIndex(of: 0x0A) ?? -1) + 1
        let column = 1 + String(decoding: utf8[lineStart..<error.offset], as: UTF8.self).unicodeScalars.count
        #expect(error.line == line, "line \(error.line), expected \(line): \(error) in \(context())")
        #expect(error.column == column, "column \(error.column), expected \(column): \(error) in \(context())")
    }

    /// A decoded value survives every writer and reader pair.
    static func checkRoundTrip(_ v: IOValue, _ context: @autoclosure () -> String) {
        let stripped = v.stripped
        #expect((try? droppingReader.decode(canonical.encode(v))) == stripped, "canonical round trip: \(context())")
        let viaAnnotated = try? keepingReader.decode(annotatedWriter.encode(v))
        #expect(viaAnnotated?.isIdentical(to: v) == true, "annotated binary round trip: \(context())")
        let text = compact.write(v)
        let viaText = try? textReader.decode(text)
        #expect(viaText?.isIdentical(to: v) == true, "text round trip via \(text.debugDescription): \(context())")
    }

    /// Decodes a whole stream value by value with `decodePrefix`: the values and the error
    /// that stopped it (nil if every byte was used), with the offset where that value began.
    static func decodeSequentially(_ bytes: [UInt8]) -> (values: [IOValue], error: BinaryDecodingError?, errorValueStart: Int) {
        bytes.withUnsafeBytes { buffer in
            var values: [IOValue] = []
            var offset = 0
            while offset < buffer.count {
                do throws(BinaryDecodingError) {
                    let (v, end) = try keepingReader.decodePrefix(buffer, from: offset)
                    #expect(end > offset)
                    values.append(v)
                    offset = end
                } catch {
                    return (values, error, offset)
                }
            }
            return (values, nil, offset)
        }
    }

    /// Feeds `bytes` to a stream decoder in random-size chunks and checks that it agrees with
    /// decoding the same bytes directly.
    static func checkStream(_ bytes: [UInt8], rng: inout SplitMix64, _ context: @autoclosure () -> String) {
        let direct = decodeSequentially(bytes)
        var decoder = BinaryStreamDecoder<IOEmbedded>(keepAnnotations: true)
        var streamed: [IOValue] = []
        var streamError: BinaryDecodingError?
        var fed = 0
        feeding: while fed < bytes.count {
            let n = min(bytes.count - fed, 1 + rng.below(rng.chance(1, in: 2) ? 4 : 40))
            decoder.append(bytes[fed..<(fed + n)])
            fed += n
            do {
                while let v = try decoder.next() { streamed.append(v) }
            } catch {
                streamError = error
                break feeding
            }
        }
        let common = min(streamed.count, direct.values.count)
        for i in 0..<common where !streamed[i].isIdentical(to: direct.values[i]) {
            Issue.record("stream value \(i) is \(streamed[i]), direct decoding gave \(direct.values[i]): \(context())")
        }
        guard let directError = direct.error else {
            #expect(streamError == nil, "stream failed (\(String(describing: streamError))) on valid input: \(context())")
            #expect(streamed.count == direct.values.count, "stream gave \(streamed.count) values, not \(direct.values.count): \(context())")
            #expect(decoder.isAtValueBoundary, "stream left bytes buffered after valid input: \(context())")
            return
        }
        #expect(streamed.count == direct.values.count, "stream gave \(streamed.count) values, direct \(direct.values.count) before \(directError): \(context())")
        switch directError.kind {
        case .truncated, .endOfInput:
            // Everything read so far was valid, so the stream is just waiting for more bytes.
            #expect(streamError == nil, "stream threw \(String(describing: streamError)) where direct decoding said \(directError): \(context())")
            #expect(!decoder.isAtValueBoundary, "truncated input but no bytes buffered: \(context())")
        case .malformed, .limitExceeded:
            // The scanner may need more bytes before it sees the problem; if it throws, the
            // error must be a hard one, inside the bad value.
            if let streamError {
                #expect(streamError.kind == .malformed || streamError.kind == .limitExceeded, "\(streamError): \(context())")
                #expect(
                    streamError.offset >= direct.errorValueStart && streamError.offset <= bytes.count,
                    "stream error offset \(streamError.offset) outside the bad value at \(direct.errorValueStart): \(context())")
            }
        }
    }

    // MARK: - Mutation

    static let interestingBytes: [UInt8] = [
        0x80, 0x81, 0x84, 0x85, 0x86, 0x87, 0x08, 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0x00, 0x01, 0x7F, 0xFF,
        0xC3, 0xED, 0xF0,
    ]

    static func mutateBytes(_ input: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + rng.below(3)) {
            switch rng.below(7) {
            case 0 where !b.isEmpty:  // flip a bit
                b[rng.below(b.count)] ^= 1 << UInt8(rng.below(8))
            case 1:  // insert a byte
                b.insert(rng.chance(1, in: 2) ? rng.pick(interestingBytes) : rng.byte(), at: rng.below(b.count + 1))
            case 2 where !b.isEmpty:  // delete a byte
                b.remove(at: rng.below(b.count))
            case 3 where !b.isEmpty:  // replace a byte
                b[rng.below(b.count)] = rng.chance(1, in: 2) ? rng.pick(interestingBytes) : rng.byte()
            case 4 where !b.isEmpty:  // truncate
                b.removeLast(1 + rng.below(b.count))
            case 5 where !b.isEmpty:  // duplicate a range
                let i = rng.below(b.count)
                let j = i + rng.below(b.count - i) + 1
                b.insert(contentsOf: b[i..<j], at: rng.below(b.count + 1))
            case 6 where b.count > 1:  // swap two bytes
                b.swapAt(rng.below(b.count), rng.below(b.count))
            default:
                b.append(rng.pick(interestingBytes))
            }
        }
        return b
    }

    static let interestingText: [String] = [
        "[", "]", "{", "}", "<", ">", "#", ":", "@", "\"", "'", "\\", ",", ";", " ", "\n", "\t", "\r", "#t", "#f",
        "#x\"", "#xd\"", "#[", "#{", "#:", "#!", "# ", "#\n", "u", "x", "0", "1", "9", "e", "E", "-", "+", ".", "=",
        "a", "é", "\u{301}", "\u{1F600}", "\u{0}", "\u{7F}", "\u{A0}", "\\u", "\\uD834", "\\uDD1E", "\\x", "/", "|",
        "ff", "==", "\\\"",
    ]

    static func mutateText(_ input: String, rng: inout SplitMix64) -> String {
        var s = Array(input.unicodeScalars)
        for _ in 0..<(1 + rng.below(3)) {
            switch rng.below(6) {
            case 0, 1:  // insert a piece of syntax
                s.insert(contentsOf: rng.pick(interestingText).unicodeScalars, at: rng.below(s.count + 1))
            case 2 where !s.isEmpty:  // delete a run
                let i = rng.below(s.count)
                s.removeSubrange(i..<min(s.count, i + 1 + rng.below(3)))
            case 3 where !s.isEmpty:  // replace a scalar
                let piece = Array(rng.pick(interestingText).unicodeScalars)
                s[rng.below(s.count)] = piece[0]
            case 4 where !s.isEmpty:  // truncate
                s.removeLast(1 + rng.below(s.count))
            case 5 where !s.isEmpty:  // duplicate a range
                let i = rng.below(s.count)
                let j = i + rng.below(s.count - i) + 1
                s.insert(contentsOf: s[i..<j], at: rng.below(s.count + 1))
            default:
                s.append(contentsOf: rng.pick(interestingText).unicodeScalars)
            }
        }
        return String(String.UnicodeScalarView(s))
    }

    // MARK: - Tests

    @Test func corpusIsValidAndRoundTrips() throws {
        #expect(Self.corpus.count > 150, "the conformance samples should be in the corpus")
        for entry in Self.corpus {
            for binary in entry.binaries {
                let decoded = try Self.keepingReader.decode(binary)
                #expect(decoded.isIdentical(to: entry.value) || decoded == entry.value.stripped, "\(entry.value)")
            }
            #expect(try Self.textReader.decode(entry.text).isIdentical(to: entry.value), "\(entry.text)")
            Self.checkRoundTrip(entry.value, "\(entry.value)")
        }
    }

    @Test func randomBytesToBinaryReader() {
        var rng = SplitMix64(seed: 1)
        for round in 0..<6000 {
            let length = rng.below(48)
            // Half the inputs draw from tag-like bytes, so they get past the first byte.
            let biased = rng.chance(1, in: 2)
            let input = (0..<length).map { _ in biased && rng.chance(3, in: 4) ? rng.pick(Self.interestingBytes) : rng.byte() }
            Self.checkBinary(input, "round \(round): \(hex(input))")
        }
    }

    @Test func randomBytesToTextReader() {
        var rng = SplitMix64(seed: 2)
        for round in 0..<3000 {
            let input = rng.bytes(rng.below(40))
            do {
                let v = try Self.textReader.decode(utf8: input)
                Self.checkRoundTrip(v, "round \(round): \(hex(input))")
            } catch {
                #expect(error.kind != .limitExceeded)
                #expect((error.kind == .endOfInput) == input.isEmpty, "\(error)")
                if String(validating: input, as: UTF8.self) == nil {
                    #expect(error.kind == .malformed, "invalid UTF-8 must be malformed: \(error)")
                    #expect(error.offset >= 0 && error.offset < input.count)
                } else {
                    Self.checkPosition(error, in: input, "round \(round): \(hex(input))")
                }
            }
        }
        // Random strings built from pieces of syntax get much further into the reader.
        for round in 0..<5000 {
            var s = ""
            for _ in 0..<rng.below(12) { s += rng.pick(Self.interestingText) }
            Self.checkText(s, "round \(round): \(s.debugDescription)")
        }
    }

    @Test func everyBinaryPrefixIsTruncated() {
        for entry in Self.corpus {
            for binary in entry.binaries {
                for n in 0..<binary.count {
                    let prefix = Array(binary[..<n])
                    for reader in [Self.keepingReader, Self.droppingReader] {
                        do {
                            let v = try reader.decode(prefix)
                            Issue.record("prefix \(hex(prefix)) of \(hex(binary)) decoded as \(v)")
                        } catch {
                            #expect(
                                error.kind == (n == 0 ? .endOfInput : .truncated),
                                "prefix \(hex(prefix)) of \(hex(binary)): \(error)")
                            #expect(error.offset <= n)
                        }
                    }
                    var scanner = BinaryFrameScanner()
                    #expect((try? scanFrame(&scanner, prefix)) == .some(nil), "scanner on prefix \(hex(prefix))")
                }
                var scanner = BinaryFrameScanner()
                #expect((try? scanFrame(&scanner, binary)) == binary.count, "scanner on \(hex(binary))")
            }
        }
    }

    @Test func everyTextPrefixFailsCleanly() {
        var checked = 0
        for entry in Self.corpus {
            let scalars = Array(entry.text.unicodeScalars)
            // A document whose last character closes its value cannot be complete any earlier.
            let closesAtEnd = "]>}\"'".unicodeScalars.contains(scalars.last!)
            for n in 0..<scalars.count {
                let prefix = String(String.UnicodeScalarView(scalars[..<n]))
                let kind = Self.checkText(prefix, "prefix \(prefix.debugDescription) of \(entry.text.debugDescription)")
                if closesAtEnd {
                    let wanted: TextParseError.Kind = n == 0 ? .endOfInput : .truncated
                    #expect(kind == wanted, "prefix \(prefix.debugDescription) of \(entry.text.debugDescription)")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
    }

    @Test func binaryMutations() {
        var rng = SplitMix64(seed: 3)
        var outcomes: [BinaryDecodingError.Kind?: Int] = [:]
        for (index, entry) in Self.corpus.enumerated() {
            for binary in entry.binaries {
                for _ in 0..<25 {
                    let mutated = Self.mutateBytes(binary, rng: &rng)
                    let kind = Self.checkBinary(mutated, "entry \(index): \(hex(mutated)) from \(hex(binary))")
                    outcomes[kind, default: 0] += 1
                    if rng.chance(1, in: 3) {
                        Self.checkStream(mutated, rng: &rng, "entry \(index): \(hex(mutated))")
                    }
                }
            }
        }
        // The mutations should reach every outcome, or they are not exercising much.
        #expect(outcomes[nil, default: 0] > 50)
        #expect(outcomes[.malformed, default: 0] > 200)
        #expect(outcomes[.truncated, default: 0] > 200)
    }

    @Test func textMutations() {
        var rng = SplitMix64(seed: 4)
        var outcomes: [TextParseError.Kind?: Int] = [:]
        var inputs = Self.corpus.map(\.text)
        inputs += ConformanceSamples.shared.badTexts
        inputs += ["# comment\n[1 2]", "#!/bin/preserves\n{a: 1}", "@a @b [#t, #f]", "#:#:[]", "\"\\uD834\\uDD1E\""]
        for (index, text) in inputs.enumerated() {
            for _ in 0..<25 {
                let mutated = Self.mutateText(text, rng: &rng)
                let kind = Self.checkText(mutated, "input \(index): \(mutated.debugDescription) from \(text.debugDescription)")
                outcomes[kind, default: 0] += 1
            }
        }
        #expect(outcomes[nil, default: 0] > 100)
        #expect(outcomes[.malformed, default: 0] > 200)
        #expect(outcomes[.truncated, default: 0] > 100)
    }

    @Test func binaryFailureSamplesAndTheirMutations() {
        var rng = SplitMix64(seed: 5)
        for bad in ConformanceSamples.shared.badBinaries {
            #expect(Self.checkBinary(bad, hex(bad)) != nil, "\(hex(bad)) should fail")
            for _ in 0..<40 {
                let mutated = Self.mutateBytes(bad, rng: &rng)
                Self.checkBinary(mutated, "\(hex(mutated)) from \(hex(bad))")
                Self.checkStream(mutated, rng: &rng, hex(mutated))
            }
        }
    }

    @Test func concatenatedCorpusThroughStreamInRandomChunks() throws {
        var rng = SplitMix64(seed: 6)
        var stream: [UInt8] = []
        var expected: [IOValue] = []
        for entry in Self.corpus {
            stream += entry.binaries[0]
            expected.append(entry.value)
        }
        for _ in 0..<4 {
            Self.checkStream(stream, rng: &rng, "concatenated corpus")
        }
        #expect(try Self.keepingReader.decodeAll(stream).elementsEqual(expected) { $0.isIdentical(to: $1) })
        // Damage the stream in a few places; values before the damage must still come out.
        for _ in 0..<40 {
            var damaged = stream
            let at = rng.below(damaged.count)
            damaged[at] = rng.pick(Self.interestingBytes)
            Self.checkStream(damaged, rng: &rng, "stream damaged at \(at)")
        }
    }

    /// Tighter limits may turn an outcome into `.limitExceeded`, but never into anything else:
    /// a limit must not hide an error, invent one, or change a value.
    @Test func tightLimitsOnlyAddLimitExceeded() {
        var rng = SplitMix64(seed: 8)
        let tight = ReaderLimits(maxDepth: 3, maxSize: 24)
        let tightBinary = BinaryReader<IOEmbedded>(limits: tight, keepAnnotations: true)
        let tightText = TextReader<IOEmbedded>(limits: tight, keepAnnotations: true)
        var limited = 0
        for entry in Self.corpus {
            for input in [entry.binaries[0], Self.mutateBytes(entry.binaries[0], rng: &rng)] {
                let loose = Result { () throws(BinaryDecodingError) -> IOValue in try Self.keepingReader.decode(input) }
                let strict = Result { () throws(BinaryDecodingError) -> IOValue in try tightBinary.decode(input) }
                switch (loose, strict) {
                case (.success(let a), .success(let b)):
                    #expect(a.isIdentical(to: b))
                case (_, .failure(let e)) where e.kind == .limitExceeded:
                    limited += 1
                case (.failure(let a), .failure(let b)):
                    #expect(a.kind == b.kind, "\(hex(input)): \(a) vs \(b)")
                default:
                    Issue.record("\(hex(input)): \(loose) without limits, \(strict) with tight limits")
                }
                var scanner = BinaryFrameScanner(limits: tight)
                if case .success(let v) = strict, input.count <= tight.maxSize {
                    #expect((try? scanFrame(&scanner, input)) == input.count, "scanner with tight limits on \(v)")
                }
            }
            let text = Self.mutateText(entry.text, rng: &rng)
            for input in [entry.text, text] {
                let loose = Result { () throws(TextParseError) -> IOValue in try Self.textReader.decode(input) }
                let strict = Result { () throws(TextParseError) -> IOValue in try tightText.decode(input) }
                switch (loose, strict) {
                case (.success(let a), .success(let b)):
                    #expect(a.isIdentical(to: b))
                case (_, .failure(let e)) where e.kind == .limitExceeded:
                    limited += 1
                case (.failure(let a), .failure(let b)):
                    #expect(a.kind == b.kind, "\(input.debugDescription): \(a) vs \(b)")
                default:
                    Issue.record("\(input.debugDescription): \(loose) without limits, \(strict) with tight limits")
                }
            }
        }
        #expect(limited > 50)
    }

    @Test func randomValuesRoundTrip() {
        var gen = RandomValueGenerator(seed: 7, annotations: true)
        for i in 0..<300 {
            let v = gen.value()
            Self.checkRoundTrip(v, "random value \(i): \(v)")
        }
    }
}

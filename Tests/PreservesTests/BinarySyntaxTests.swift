import BigInt
import Preserves
import Testing
import TestSupport

/// The binary syntax: exact canonical bytes, strict rejection of non-canonical lengths and
/// integers and of invalid UTF-8, canonical ordering of sets and dictionaries (with and
/// without annotations), and round trips of random values through both syntaxes.
@Suite struct BinarySyntaxTests {
    typealias V = IOValue

    static let canonical = BinaryWriter<IOEmbedded>(options: .canonical)
    static let annotated = BinaryWriter<IOEmbedded>(options: .annotated)
    static let plainReader = BinaryReader<IOEmbedded>()
    static let keepingReader = BinaryReader<IOEmbedded>(keepAnnotations: true)

    func decodeError(_ bytes: [UInt8], reader: BinaryReader<IOEmbedded> = Self.plainReader) -> BinaryDecodingError? {
        do {
            let v = try reader.decode(bytes)
            Issue.record("\(hex(bytes)) decoded as \(v) but should fail")
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Exact bytes

    /// Known values and their canonical encodings.
    static let vectors: [(V, String)] = {
        var v: [(V, String)] = []
        v.append((.boolean(false), "80"))
        v.append((.boolean(true), "81"))
        let ints: [(Int, String)] = [
            (0, "b000"), (1, "b00101"), (127, "b0017f"), (128, "b0020080"), (255, "b00200ff"), (256, "b0020100"),
            (32767, "b0027fff"), (32768, "b003008000"), (-1, "b001ff"), (-128, "b00180"), (-129, "b002ff7f"),
            (-257, "b002feff"), (Int.max, "b0087fffffffffffffff"), (Int.min, "b0088000000000000000"),
        ]
        for (n, h) in ints { v.append((.integer(n), h)) }
        let bigs: [(BigInt, String)] = [
            (BigInt(Int.max) + 1, "b009008000000000000000"),
            (BigInt(Int.min) - 1, "b009ff7fffffffffffffff"),
            (BigInt(1) << 100, "b00d10000000000000000000000000"),
        ]
        for (n, h) in bigs { v.append((.integer(SignedInteger(n)), h)) }
        let doubles: [(Double, String)] = [
            (1.0, "87083ff0000000000000"), (0.0, "87080000000000000000"), (-0.0, "87088000000000000000"),
            (Double(bitPattern: 0xFFF8_0000_0000_0001), "8708fff8000000000001"), (.infinity, "87087ff0000000000000"),
        ]
        for (d, h) in doubles { v.append((.double(d), h)) }
        let strings: [(String, String)] = [
            ("", "b100"), ("hello", "b10568656c6c6f"), ("\u{E9}", "b102c3a9"), ("e\u{301}", "b10365cc81"), ("\u{0}", "b10100"),
        ]
        for (t, h) in strings { v.append((.string(t), h)) }
        v.append((.byteString([]), "b200"))
        v.append((.byteString([1, 2, 3]), "b203010203"))
        v.append((.symbol("a"), "b30161"))
        v.append((.symbol(""), "b300"))
        v.append((.record("a", 1), "b4b30161b0010184"))
        v.append((.record("a"), "b4b3016184"))
        v.append((.record(label: 1, fields: []), "b4b0010184"))
        v.append((.sequence([]), "b584"))
        v.append((.sequence([1, .sequence([2])]), "b5b00101b5b0010284" + "84"))
        v.append((.set([]), "b684"))
        v.append((.set([1, -1, "a"]), "b6b00101b001ffb1016184"))
        v.append((.dictionary([:]), "b784"))
        let dict: [V: V] = [.symbol("b"): 1, .symbol("a"): 2, "c": 3, 10: 4]
        v.append((.dictionary(dict), "b7b0010ab00104b10163b00103b30161b00102b30162b0010184"))
        v.append((.embedded(IOEmbedded(.embedded(IOEmbedded(0)))), "8686b000"))
        v.append((.embedded(IOEmbedded(.sequence([1]))), "86b5b0010184"))
        return v
    }()

    @Test func canonicalBytes() throws {
        for (value, expectedHex) in Self.vectors {
            #expect(hex(Self.canonical.encode(value)) == expectedHex, "\(value)")
            #expect(hex(value.canonicalBinary) == expectedHex)
            #expect(try V(binary: bytes(hex: expectedHex)).isIdentical(to: value), "\(expectedHex)")
        }
    }

    @Test func lengthsUseMinimalVarints() throws {
        let s130 = V.symbol(Symbol(String(repeating: "x", count: 130)))
        #expect(Array(s130.canonicalBinary.prefix(3)) == [0xB3, 0x82, 0x01])
        let s127 = V.string(String(repeating: "y", count: 127))
        #expect(Array(s127.canonicalBinary.prefix(2)) == [0xB1, 0x7F])
        let b128 = V.byteString(Array(repeating: 0, count: 128))
        #expect(Array(b128.canonicalBinary.prefix(3)) == [0xB2, 0x80, 0x01])
        let b16384 = V.byteString(Array(repeating: 0, count: 16384))
        #expect(Array(b16384.canonicalBinary.prefix(4)) == [0xB2, 0x80, 0x80, 0x01])
        for v in [s130, s127, b128, b16384] { #expect(try V(binary: v.canonicalBinary) == v) }
    }

    @Test func annotationsAreWrittenOnlyWhenAsked() throws {
        let v = V.integer(9).annotated(with: ["abc"])
        #expect(hex(Self.annotated.encode(v)) == "85b103616263b00109")
        #expect(hex(Self.canonical.encode(v)) == "b00109")
        // @@1 2 @@3 4 5: two annotations on 5, each itself annotated.
        let nested = V.integer(5).annotated(with: [V.integer(2).annotated(with: [1]), V.integer(4).annotated(with: [3])])
        #expect(hex(Self.annotated.encode(nested)) == "8585b00101b001028585b00103b00104b00105")
        #expect(try Self.keepingReader.decode(bytes(hex: "8585b00101b001028585b00103b00104b00105")).isIdentical(to: nested))
        #expect(try Self.plainReader.decode(bytes(hex: "8585b00101b001028585b00103b00104b00105")).isIdentical(to: 5))
        #expect(hex(v.binary(options: .annotated)) == "85b103616263b00109")
    }

    // MARK: - Canonical order

    @Test func canonicalOrderIsByteOrderNotValueOrder() {
        // Value order would put -1 before 1 and doubles before integers; bytes disagree.
        #expect(hex(V.set([-1, 1]).canonicalBinary) == "b6b00101b001ff84")
        #expect(hex(V.set([1000, 1]).canonicalBinary) == "b6b00101b00203e884", "shorter encodings first")
        #expect(hex(V.set([.symbol("a"), "b", 1.0]).canonicalBinary) == "b687083ff0000000000000b10162b3016184")
        #expect(hex(V.dictionary([.symbol("z"): 1, "z": 2]).canonicalBinary) == "b7b1017ab00102b3017ab0010184")
    }

    @Test func canonicalOutputIsIndependentOfInsertionOrder() {
        var rng = SplitMix64(seed: 41)
        var gen = RandomValueGenerator(seed: 42, maxDepth: 2, maxWidth: 4)
        let elements: [V] = (0..<40).map { _ in gen.value() }
        let keys = Array(Set(elements))
        var reference: (set: [UInt8], dict: [UInt8], nested: [UInt8])?
        for _ in 0..<25 {
            var set = Set<V>()
            for e in keys.shuffled(using: &rng) { set.insert(e) }
            var dict: [V: V] = [:]
            for (i, k) in keys.enumerated().shuffled(using: &rng) { dict[k] = .integer(i) }
            // Grow and shrink, so that the storage (and iteration order) differs.
            var noisy = set
            for i in 0..<200 { noisy.insert(.integer(100_000 + i)) }
            for i in 0..<200 { noisy.remove(.integer(100_000 + i)) }
            let nested = V.set([.set(noisy), .dictionary(dict), [.set(set)]])
            let encodings = (set: V.set(set).canonicalBinary, dict: V.dictionary(dict).canonicalBinary, nested: nested.canonicalBinary)
            if let reference {
                #expect(encodings.set == reference.set)
                #expect(encodings.dict == reference.dict)
                #expect(encodings.nested == reference.nested)
            } else {
                reference = encodings
            }
        }
        // Each element's canonical encoding appears in ascending byte order.
        let sortedElements = keys.map(\.canonicalBinary).sorted { $0.lexicographicallyPrecedes($1) }
        #expect(reference?.set == [0xB6] + sortedElements.flatMap { $0 } + [0x84])
    }

    @Test func theAnnotatingWriterSortsByAnnotationFreeBytes() throws {
        // 1 sorts before 2, but with annotations the bytes of @"a" 2 come before those of @"z" 1.
        let set = V.set([V.integer(2).annotated(with: ["a"]), V.integer(1).annotated(with: ["z"])])
        #expect(hex(Self.annotated.encode(set)) == "b6" + "85b1017ab00101" + "85b10161b00102" + "84")
        #expect(hex(Self.canonical.encode(set)) == "b6b00101b0010284")

        let dict = V.dictionary([
            V.integer(2).annotated(with: ["a"]): .symbol("two"),
            V.integer(1).annotated(with: ["z"]): .symbol("one"),
            3: V.symbol("three").annotated(with: ["\u{0}"]),
        ])
        #expect(
            hex(Self.annotated.encode(dict))
                == "b7" + "85b1017ab00101" + "b3036f6e65" + "85b10161b00102" + "b30374776f" + "b00103" + "85b10100b3057468726565" + "84")
        // Annotations deeper inside an element count for nothing either.
        let deep = V.set([[V.integer(2).annotated(with: ["a"])], [V.integer(1).annotated(with: ["z"])]])
        #expect(hex(Self.annotated.encode(deep)) == "b6" + "b585b1017ab0010184" + "b585b10161b0010284" + "84")
        for v in [set, dict, deep] {
            #expect(try Self.keepingReader.decode(Self.annotated.encode(v)).isIdentical(to: v))
            #expect(try Self.plainReader.decode(Self.annotated.encode(v)) == v)
        }
        // Unsorted output with annotations still reads back identically.
        let loose = BinaryWriter<IOEmbedded>(options: BinaryWriterOptions(keepAnnotations: true, sortCollections: false))
        #expect(try Self.keepingReader.decode(loose.encode(dict)).isIdentical(to: dict))
    }

    @Test func theAnnotatingWriterSortsByAnnotationFreeBytesInsideEmbeddeds() throws {
        // The same rule holds when the annotations sit inside embedded values' representations:
        // #:1 sorts before #:2 whatever annotations their representations carry.
        let one = V.embedded(IOEmbedded(V.integer(1).annotated(with: ["z"])))
        let two = V.embedded(IOEmbedded(V.integer(2).annotated(with: ["a"])))
        #expect(hex(Self.canonical.encode(.set([one, two]))) == "b6" + "86b00101" + "86b00102" + "84")
        #expect(hex(Self.annotated.encode(.set([one, two]))) == "b6" + "8685b1017ab00101" + "8685b10161b00102" + "84")
        #expect(hex(Self.annotated.encode(.dictionary([one: 1, two: 2]))) == "b7" + "8685b1017ab00101b00101" + "8685b10161b00102b00102" + "84")
        let decoded = try Self.keepingReader.decode(Self.annotated.encode(.set([one, two])))
        #expect(decoded == .set([one, two]))
    }

    // MARK: - Strict decoding

    @Test func nonMinimalVarintsAreMalformed() {
        for text in ["b1 80 00", "b1 81 00 61", "b3 80 80 00", "b2 ff 00", "b0 80 00", "87 88 00 3ff0000000000000"] {
            let e = decodeError(bytes(hex: text))
            #expect(e?.kind == .malformed, "\(text): \(String(describing: e))")
        }
        // Minimal multi-byte lengths are fine.
        #expect(throws: Never.self) { try V(binary: [0xB2, 0x80, 0x01] + Array(repeating: 0, count: 128)) }
    }

    @Test(arguments: ["b0 02 00 01", "b0 02 ff ff", "b0 02 00 7f", "b0 02 ff 80", "b0 03 00 00 80", "b0 03 ff ff 7f", "b0 09 00 7fffffffffffffff", "b0 01 00"])
    func nonMinimalIntegersAreMalformed(text: String) {
        let e = decodeError(bytes(hex: text))
        #expect(e?.kind == .malformed, "\(text): \(String(describing: e))")
    }

    @Test func minimalIntegersAtByteBoundariesDecode() throws {
        #expect(try V(binary: bytes(hex: "b0 02 00 80")) == 128)
        #expect(try V(binary: bytes(hex: "b0 02 ff 7f")) == -129)
        #expect(try V(binary: bytes(hex: "b0 01 80")) == -128)
        #expect(try V(binary: bytes(hex: "b0 00")) == 0)
        // Every integer of the form ±2^k ± 1 encodes minimally and decodes to itself.
        for k in 0..<130 {
            for delta in -1...1 {
                for sign in [BigInt(1), BigInt(-1)] {
                    let n = sign * (BigInt(1) << k) + BigInt(delta)
                    let v = V.integer(SignedInteger(n))
                    let encoded = v.canonicalBinary
                    #expect(try V(binary: encoded) == v, "\(n)")
                    // Enough bytes for the magnitude (of n, or of ~n when negative) and a sign bit.
                    let m = n < 0 ? -(n + 1) : n
                    #expect(Int(encoded[1]) == (n == 0 ? 0 : (m.magnitude.bitWidth + 1 + 7) / 8), "\(n) is not minimal: \(hex(encoded))")
                }
            }
        }
    }

    @Test(arguments: [
        "b1 01 ff", "b1 02 c3 28", "b1 02 c0 80", "b1 03 ed a0 80", "b1 04 f4 90 80 80", "b1 01 80", "b1 02 e2 82",
        "b1 03 e0 80 80", "b1 01 c3", "b3 01 ff", "b3 03 ed b0 80", "b3 02 c1 bf",
    ])
    func invalidUTF8IsMalformed(text: String) {
        let e = decodeError(bytes(hex: text))
        #expect(e?.kind == .malformed, "\(text): \(String(describing: e))")
        #expect((0..<bytes(hex: text).count).contains(e?.offset ?? -1), "the error points into the value")
    }

    @Test func byteStringsHoldAnyBytes() throws {
        #expect(try V(binary: bytes(hex: "b2 03 ff c0 80")) == .byteString([0xFF, 0xC0, 0x80]))
    }

    @Test(arguments: [
        ("84", 0), ("10", 0), ("00", 0), ("7f", 0), ("82", 0), ("83", 0), ("88", 0), ("90", 0), ("a0", 0), ("af", 0), ("b8", 0),
        ("bf", 0), ("c0", 0), ("ff", 0),
        ("b4 84", 0),  // a record needs a label
        ("b7 b00101 84", 4),  // a key with no value
        ("b6 b00101 b00101 84", 4),  // a duplicate set element
        ("b7 b00101 80 b00101 81 84", 5),  // a duplicate dictionary key
        ("87 04 3fc00000", 0),  // the old single-precision float
        ("87 09 000000000000000000", 0),
        ("85 84", 1), ("85 80 84", 2),  // an annotation must annotate a value
        ("b5 80 84 84", 3),  // bytes after the value
        ("b00101 b00101", 3),
        ("b5 86 84 84", 2),
    ])
    func malformedInput(text: String, offset: Int) {
        let e = decodeError(bytes(hex: text))
        #expect(e?.kind == .malformed, "\(text): \(String(describing: e))")
        #expect(e?.offset == offset, "\(text): \(String(describing: e))")
    }

    @Test func endOfInputAndTruncation() {
        #expect(decodeError([])?.kind == .endOfInput)
        for text in ["b5 80 80", "b1 81", "b1 03 61", "85", "86", "85 b00101", "b4", "87 08 00", "b0 02 00"] {
            let e = decodeError(bytes(hex: text))
            #expect(e?.kind == .truncated, "\(text): \(String(describing: e))")
            #expect(e?.isEndOfInput == true)
        }
    }

    @Test func embeddedValuesNeedADomain() throws {
        do {
            let v = try BinaryReader<Never>().decode(bytes(hex: "b5 b00101 86 b000 84"))
            Issue.record("Value<Never> decoded \(v)")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.offset == 4)
        }
        // A custom domain that refuses some representations.
        struct Refused: Error {}
        let picky = BinaryReader<IOEmbedded>(decodeEmbedded: { v in
            guard v.int != nil else { throw Refused() }
            return IOEmbedded(v)
        })
        #expect(try picky.decode(bytes(hex: "86 b00101")) == .embedded(IOEmbedded(1)))
        #expect(throws: BinaryDecodingError.self) { try picky.decode(bytes(hex: "86 b30161")) }
        let writer = BinaryWriter<IOEmbedded>(encodeEmbedded: { _ in .symbol("replaced") })
        #expect(hex(writer.encode(.embedded(IOEmbedded(1)))) == "86b3087265706c61636564")
    }

    @Test func decodeAllAndDecodePrefix() throws {
        let stream = bytes(hex: "b00101 85 b10161 b00102 b584")
        #expect(try Self.plainReader.decodeAll(stream) == [1, 2, []])
        #expect(try Self.plainReader.decodeAll([]) == [])
        let (first, end) = try stream.withUnsafeBytes { buffer in try Self.keepingReader.decodePrefix(buffer, from: 3) }
        #expect(first.isIdentical(to: V.integer(2).annotated(with: ["a"])))
        #expect(end == 10)
        #expect(throws: BinaryDecodingError.self) { try Self.plainReader.decodeAll(stream + [0xB5]) }
    }

    // MARK: - Random round trips

    @Test func randomValuesRoundTripThroughBothSyntaxes() throws {
        var gen = RandomValueGenerator(seed: 43, annotations: true, maxDepth: 4, maxWidth: 5)
        let text = TextWriter<IOEmbedded>(options: .compact)
        let textReader = TextReader<IOEmbedded>(keepAnnotations: true)
        for i in 0..<400 {
            let v = gen.value()
            let canonicalBytes = Self.canonical.encode(v)
            let decoded = try Self.plainReader.decode(canonicalBytes)
            #expect(decoded.isIdentical(to: v.deepStripped), "value \(i): \(v)")
            #expect(Self.canonical.encode(decoded) == canonicalBytes, "canonical form is stable: \(v)")
            #expect(Self.canonical.encode(v.stripped) == canonicalBytes)
            #expect(Self.annotated.encode(v.deepStripped) == canonicalBytes, "without annotations, annotated = canonical")

            let annotatedBytes = Self.annotated.encode(v)
            #expect(try Self.keepingReader.decode(annotatedBytes).isIdentical(to: v), "value \(i): \(v)")
            #expect(try Self.plainReader.decode(annotatedBytes).isIdentical(to: v.stripped))
            #expect(Self.annotated.encode(try Self.keepingReader.decode(annotatedBytes)) == annotatedBytes)

            let printed = text.write(v)
            #expect(try textReader.decode(printed).isIdentical(to: v), "value \(i) printed as \(printed)")
            #expect(try textReader.decode(text.write(v.stripped)).isIdentical(to: v.stripped))
        }
    }
}

import BigInt
import Preserves
import TestSupport

/// Generates random Preserves values covering every kind, the awkward corners of each atom
/// (NaN payloads, ±0.0, integers on byte boundaries and beyond 64 bits, control characters,
/// astral scalars, symbols that look like numbers), nesting, and optionally annotations.
struct RandomValueGenerator {
    var rng: SplitMix64
    /// Whether to attach annotations to some values (at any depth).
    var annotations: Bool
    /// Whether to produce embedded values.
    var embeddeds: Bool
    /// Deepest nesting of compounds produced.
    var maxDepth: Int
    /// Most elements in one compound.
    var maxWidth: Int

    init(seed: UInt64, annotations: Bool = false, embeddeds: Bool = true, maxDepth: Int = 4, maxWidth: Int = 5) {
        self.rng = SplitMix64(seed: seed)
        self.annotations = annotations
        self.embeddeds = embeddeds
        self.maxDepth = maxDepth
        self.maxWidth = maxWidth
    }

    mutating func value(depth: Int = 0) -> IOValue {
        var v: IOValue
        let compoundAllowed = depth < maxDepth
        let choice = rng.below(compoundAllowed ? (embeddeds ? 12 : 11) : 6)
        switch choice {
        case 0: v = .boolean(rng.chance(1, in: 2))
        case 1: v = .double(double())
        case 2: v = .integer(integer())
        case 3: v = .string(text())
        case 4: v = .byteString(rng.bytes(rng.pick([0, 1, 2, 3, 8, 20, 70])))
        case 5: v = .symbol(Symbol(symbolText()))
        case 6, 7:
            let label = rng.chance(4, in: 5) ? IOValue.symbol(Symbol(symbolText())) : value(depth: depth + 1)
            v = .record(Record(label: label, fields: items(depth: depth)))
        case 8: v = .sequence(items(depth: depth))
        case 9: v = .set(Set(items(depth: depth)))
        case 10:
            var d: [IOValue: IOValue] = [:]
            for k in items(depth: depth) { d[k] = value(depth: depth + 1) }
            v = .dictionary(d)
        default: v = .embedded(IOEmbedded(value(depth: depth + 1)))
        }
        if annotations && rng.chance(1, in: 6) {
            let count = 1 + rng.below(2)
            let anns = (0..<count).map { _ in annotationValue(depth: depth) }
            v = v.annotated(with: anns)
        }
        return v
    }

    private mutating func annotationValue(depth: Int) -> IOValue {
        // Annotations are usually small; sometimes they are compounds or annotated themselves.
        if depth + 1 < maxDepth && rng.chance(1, in: 4) { return value(depth: depth + 1) }
        return rng.chance(1, in: 2) ? .string(text()) : .symbol(Symbol(symbolText()))
    }

    private mutating func items(depth: Int) -> [IOValue] {
        (0..<rng.below(maxWidth + 1)).map { _ in value(depth: depth + 1) }
    }

    mutating func double() -> Double {
        switch rng.below(6) {
        case 0: return Double(bitPattern: rng.next())  // any bit pattern, NaN payloads included
        case 1:
            return rng.pick([
                0.0, -0.0, 1.0, -1.0, 0.5, 1e300, -1e-300, .leastNonzeroMagnitude, .infinity, -.infinity, .nan,
                Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFF8_0000_0000_0001),
                .greatestFiniteMagnitude, .leastNormalMagnitude, 123456789.0, 0.1,
            ])
        case 2: return Double(rng.below(2000) - 1000) / 8
        default: return Double(bitPattern: (rng.next() & 0x800F_FFFF_FFFF_FFFF) | (UInt64(900 + rng.below(250)) << 52))
        }
    }

    mutating func integer() -> SignedInteger {
        switch rng.below(5) {
        case 0: return SignedInteger(rng.below(256) - 128)
        case 1:
            // Near a byte boundary: ±2^k, ±2^k ± 1.
            let k = rng.below(62)
            let base = 1 << k
            return SignedInteger((rng.chance(1, in: 2) ? base : -base) + rng.below(3) - 1)
        case 2: return SignedInteger(Int(bitPattern: UInt(rng.next())))
        default:
            // Beyond 64 bits, up to ~200 bits, either sign.
            var big = BigInt(rng.next())
            for _ in 0..<rng.below(3) { big = (big << 64) | BigInt(rng.next()) }
            big >>= rng.below(40)
            if rng.chance(1, in: 2) { big = -big - 1 }
            return SignedInteger(big)
        }
    }

    mutating func scalar() -> Unicode.Scalar {
        while true {
            let v: UInt32
            switch rng.below(10) {
            case 0: v = UInt32(rng.below(0x20))  // control characters, NUL included
            case 1: v = rng.pick([0x22, 0x27, 0x5C, 0x7F, 0x2F, 0x23, 0x40, 0x2C, 0x3A, 0x3B, 0x20]) // quotes, \, delimiters
            case 2: v = UInt32(0x80 + rng.below(0x780))
            case 3: v = UInt32(0x800 + rng.below(0xF800))
            case 4: v = UInt32(0x10000 + rng.below(0x100000))
            case 5: v = rng.pick([0xE9, 0x301, 0xFEFF, 0x2028, 0xA0, 0x1F600, 0x10FFFF, 0xFFFD])
            default: v = UInt32(0x20 + rng.below(0x5F))
            }
            if let s = Unicode.Scalar(v) { return s }  // skips surrogates
        }
    }

    mutating func text() -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<rng.pick([0, 1, 2, 5, 12, 40]) { s.append(scalar()) }
        return String(s)
    }

    mutating func symbolText() -> String {
        switch rng.below(6) {
        case 0:
            // Awkward symbols: look like numbers, are empty, or contain delimiters.
            return rng.pick([
                "", "1", "-1", "+1", "1.5", "1e3", "-0.0", "1.", ".5", "1.0e", "a b", "a:b", "a,b", "#t", "@a", "[",
                "'", "\"", "\\", "-", "+", "...", "|", "é", "e\u{301}", "a\u{0}b", "\u{1F600}", "a;b", "x\ny",
            ])
        case 1: return text()
        default:
            let letters = Array("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_+*/!?.~$%^&=|".unicodeScalars)
            var s = String.UnicodeScalarView()
            s.append(rng.pick(Array("abcdefghijklmnopqrstuvwxyz".unicodeScalars)))
            for _ in 0..<rng.below(10) { s.append(rng.pick(letters)) }
            return String(s)
        }
    }
}

/// Runs `body`, turning a typed scan into a plain call (`withUnsafeBytes` only rethrows untyped).
func scanFrame(_ scanner: inout BinaryFrameScanner, _ bytes: [UInt8]) throws(BinaryDecodingError) -> Int? {
    var result: Result<Int?, BinaryDecodingError> = .success(nil)
    bytes.withUnsafeBytes { buffer in
        result = Result { () throws(BinaryDecodingError) -> Int? in try scanner.scan(buffer) }
    }
    return try result.get()
}

/// Hex digits of `bytes` written in the test source with spaces, e.g. "b0 01 01"; spaces ignored.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.unicodeScalars.filter { !$0.properties.isWhitespace })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(String.UnicodeScalarView(digits[$0..<$0 + 2])), radix: 16)!
    }
}

/// Reads the conformance samples: every `Test`/`NondeterministicTest` case's (binary, annotated
/// value), and the texts and byte strings of the failure cases. Empty if the file is missing.
struct ConformanceSamples: Sendable {
    var good: [(name: String, binary: [UInt8], value: IOValue)] = []
    var badTexts: [String] = []
    var badBinaries: [[UInt8]] = []

    static let shared: ConformanceSamples = {
        var out = ConformanceSamples()
        guard let text = try? SharedMaterial.text("conformance/samples.pr"),
            let suite = try? TextReader<IOEmbedded>(keepAnnotations: true).decode(text),
            let cases = suite.record(label: "TestCases")?.fields.first?.dictionary
        else { return out }
        for (name, testCase) in cases.sorted(by: { $0.key < $1.key }) {
            guard let record = testCase.record, let kind = record.label.symbol?.name else { continue }
            switch kind {
            case "Test", "NondeterministicTest":
                if let binary = record.fields[0].bytes {
                    out.good.append((name.symbol?.name ?? "?", binary, record.fields[1]))
                }
            case "ParseError", "ParseShort", "ParseEOF":
                if let t = record.fields[0].string { out.badTexts.append(t) }
            case "DecodeError", "DecodeShort", "DecodeEOF":
                if let b = record.fields[0].bytes { out.badBinaries.append(b) }
            default: break
            }
        }
        return out
    }()
}

extension Value where Embedded == IOEmbedded {
    /// `stripped`, also removing annotations inside the representations of embedded values
    /// (which `stripped` treats as opaque).
    var deepStripped: IOValue {
        stripped.mapEmbedded { IOEmbedded($0.value.deepStripped) }
    }
}

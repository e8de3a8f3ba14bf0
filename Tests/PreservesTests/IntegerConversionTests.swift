import BigInt
@testable import Preserves
import Testing
import TestSupport

/// Big integers in text: decimal conversion in both directions is subquadratic (and agrees
/// with BigInt's own, quadratic, conversion), and `ReaderLimits.maxIntegerDigits` bounds what
/// an untrusted peer can make a reader convert, in both syntaxes.
@Suite struct IntegerConversionTests {
    static func randomBig(_ rng: inout SplitMix64, words: Int) -> BigUInt {
        var w = (0..<words).map { _ in UInt(rng.next()) }
        if rng.chance(1, in: 4), !w.isEmpty { w[w.count - 1] = UInt.max }  // all ones at the top
        if rng.chance(1, in: 5), w.count > 2 { for i in 0..<(w.count / 2) { w[i] = 0 } }  // zeros at the bottom
        return BigUInt(words: w)
    }

    /// Word counts around every threshold: schoolbook conversion, Karatsuba, Newton's
    /// reciprocal, and several levels of each.
    static let sizes = [1, 2, 3, 5, 11, 12, 13, 23, 24, 25, 31, 32, 33, 47, 48, 49, 50, 64, 65, 97, 100, 128, 200, 256, 300]

    @Test func decimalConversionAgreesWithBigInt() throws {
        var rng = SplitMix64(seed: 0xD1_617)
        for words in Self.sizes {
            for _ in 0..<(words > 100 ? 1 : 3) {
                let magnitude = Self.randomBig(&rng, words: words)
                for sign in [BigInt.Sign.plus, .minus] {
                    let big = BigInt(sign: sign, magnitude: magnitude)
                    let expected = String(big, radix: 10)
                    let n = SignedInteger(big)
                    #expect(n.description == expected, "\(words) words")
                    #expect(SignedInteger(decimal: expected) == n, "\(words) words")
                }
            }
        }
    }

    @Test func powersOfTenAndTheirNeighbours() throws {
        // Around the lengths where the conversion splits: 19·2^k digits.
        for k in [1, 18, 19, 20, 37, 38, 39, 75, 76, 77, 151, 152, 153, 455, 456, 457, 607, 608, 609, 1215, 1216, 1217, 2432, 2433] {
            let power = BigInt(10).power(k)
            for value in [power - 1, power, power + 1, -power, -(power - 1)] {
                let text = String(value, radix: 10)
                #expect(SignedInteger(value).description == text, "10^\(k) neighbour")
                #expect(SignedInteger(decimal: text) == SignedInteger(value), "10^\(k) neighbour")
            }
        }
        #expect(SignedInteger(decimal: String(repeating: "0", count: 5000) + "42") == 42)
        #expect(SignedInteger(decimal: "-" + String(repeating: "0", count: 700)) == 0)
        #expect(SignedInteger(decimal: "+" + String(repeating: "0", count: 600) + "1" + String(repeating: "0", count: 600))
            == SignedInteger(BigInt(10).power(600)))
    }

    @Test func multiplicationAgreesWithBigInt() throws {
        var rng = SplitMix64(seed: 0x3_7A_75)
        let pairs = [(1, 1), (31, 33), (33, 33), (64, 64), (65, 40), (100, 33), (200, 7), (257, 129), (300, 100), (400, 399), (513, 512), (1000, 40)]
        for (m, n) in pairs {
            let a = Self.randomBig(&rng, words: m)
            let b = Self.randomBig(&rng, words: n)
            let product = Natural.multiply(Array(a.words), Array(b.words))
            #expect(BigUInt(words: product) == a * b, "\(m)×\(n) words")
            #expect(product.last != 0, "trimmed")
        }
        #expect(Natural.multiply([], [1, 2]).isEmpty)
        #expect(Natural.multiply([0, 0], [1, 2]).isEmpty)
    }

    @Test func newtonReciprocalIsWithinAFewUnits() throws {
        var rng = SplitMix64(seed: 0x1_0F_D)
        for words in [49, 50, 64, 100, 200, 400] {
            let d = Natural.trimmed(Array(Self.randomBig(&rng, words: words).words))
            let bits = Natural.bitWidth(d)
            let exact = (BigUInt(1) << (2 * bits)) / BigUInt(words: d)
            let approximate = BigUInt(words: Natural.reciprocal(d, bits: bits))
            let error = approximate > exact ? approximate - exact : exact - approximate
            #expect(error <= 4, "\(words) words: off by \(error)")
        }
    }

    // MARK: - Limits in text

    static func textError(_ text: String, limits: ReaderLimits = .default) -> TextParseError? {
        do {
            _ = try TextReader<IOEmbedded>(limits: limits).decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func textIntegersAtTheLimitAreRead() throws {
        let limits = ReaderLimits(maxIntegerDigits: 50)
        let reader = TextReader<IOEmbedded>(limits: limits)
        let fifty = String(repeating: "9", count: 50)
        #expect(try reader.decode(fifty) == .integer(SignedInteger(decimal: fifty)!))
        #expect(try reader.decode("-" + fifty) == .integer(SignedInteger(decimal: "-" + fifty)!), "a sign is not a digit")
        #expect(try reader.decode("+" + fifty) == .integer(SignedInteger(decimal: fifty)!))
        // Doubles and symbols are not integers, whatever their length.
        #expect(try reader.decode(fifty + fifty + ".5").double != nil)
        #expect(try reader.decode(fifty + fifty + "x").symbol != nil)
        // The default is 100,000 digits.
        #expect(ReaderLimits.default.maxIntegerDigits == 100_000)
        let atDefault = [UInt8](repeating: UInt8(ascii: "7"), count: 100_000)
        let read = try TextReader<IOEmbedded>().decode(utf8: [UInt8(ascii: "[")] + atDefault + [UInt8(ascii: "]")])
        let integer = try #require(read.sequence?.first?.integer)
        #expect(integer.bigInt % 1_000_000_007 == BigInt(Self.remainder(atDefault, 1_000_000_007)))
    }

    @Test func textIntegersOverTheLimitAreALimitErrorAtTheirPosition() throws {
        let limits = ReaderLimits(maxIntegerDigits: 50)
        let fiftyOne = String(repeating: "1", count: 51)
        let e = try #require(Self.textError("[1 2\n  <r " + fiftyOne + ">]", limits: limits))
        #expect(e.kind == .limitExceeded, "\(e)")
        #expect(e.offset == 10)
        #expect(e.line == 2 && e.column == 6, "\(e)")
        // Leading zeros count: the reader does not look past the length.
        #expect(Self.textError("0" + String(repeating: "0", count: 50), limits: limits)?.kind == .limitExceeded)
        #expect(Self.textError("-" + fiftyOne, limits: limits)?.kind == .limitExceeded)
        // At the default limit, an 800,000-digit integer is refused without being converted.
        let huge = String(repeating: "8", count: 800_000)
        let refused = try #require(Self.textError("[" + huge + "]"))
        #expect(refused.kind == .limitExceeded)
        #expect(refused.offset == 1)
        #expect(Self.textError(String(repeating: "1", count: 100_001))?.kind == .limitExceeded)
    }

    @Test func twoHundredThousandDigitsWithARaisedLimit() throws {
        var rng = SplitMix64(seed: 200_000)
        var digits = [UInt8(ascii: "1") + UInt8(rng.below(9))]
        for _ in 1..<200_000 { digits.append(UInt8(ascii: "0") + UInt8(rng.below(10))) }
        let text = String(decoding: digits, as: UTF8.self)
        let limits = ReaderLimits(maxIntegerDigits: 200_000)
        let value = try TextReader<IOEmbedded>(limits: limits).decode(text)
        let integer = try #require(value.integer)
        #expect(integer.bigInt % 1_000_000_007 == BigInt(Self.remainder(digits, 1_000_000_007)))
        // The binary syntax carries the same integer.
        let binary = BinaryWriter<IOEmbedded>().encode(value)
        #expect(try BinaryReader<IOEmbedded>(limits: limits).decode(binary) == value)
        // Printing gives the digits back. (Printing costs a few times more than reading: a
        // quarter of the digits keeps the debug-build test quick.)
        let quarter = String(decoding: digits[..<50_000], as: UTF8.self)
        #expect(try TextReader<IOEmbedded>().decode(quarter).text() == quarter)
    }

    /// `digits` modulo `m`, digit by digit: an independent check of the conversion.
    static func remainder(_ digits: [UInt8], _ m: Int) -> Int {
        digits.reduce(0) { ($0 * 10 + Int($1 - UInt8(ascii: "0"))) % m }
    }

    // MARK: - Limits in binary

    @Test func binaryIntegersAreBoundedByTheSameLimit() throws {
        let limits = ReaderLimits(maxIntegerDigits: 100)
        #expect(limits.maxIntegerBytes == 42, "⌈(⌈100·log2 10⌉ + 1)/8⌉")
        #expect(ReaderLimits.default.maxIntegerBytes == 41_525)
        #expect(ReaderLimits.trusted.maxIntegerBytes == .max)
        let reader = BinaryReader<IOEmbedded>(limits: limits)
        let writer = BinaryWriter<IOEmbedded>()
        // Every integer of 100 digits fits, so text and binary accept the same integers.
        let largest = BigInt(10).power(100) - 1
        for n in [largest, -largest, BigInt(1) << 334, -(BigInt(1) << 335)] {
            let value = IOValue.integer(SignedInteger(n))
            #expect(writer.encode(value).count <= 2 + 42)
            #expect(try reader.decode(writer.encode(value)) == value)
        }
        let tooLong = IOValue.integer(SignedInteger(BigInt(1) << 336))  // 43 bytes
        let bytes = [0x80] + writer.encode(tooLong)  // after #f, to check the offset
        do {
            _ = try reader.decodeAll(bytes)
            Issue.record("a 43-byte integer was read")
        } catch {
            #expect(error.kind == .limitExceeded, "\(error)")
            #expect(error.offset == 1)
        }
        #expect(try BinaryReader<IOEmbedded>().decode(writer.encode(tooLong)) == tooLong, "within the default limit")
    }
}

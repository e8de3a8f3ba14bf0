import BigInt
import Preserves
import Testing

@Suite struct SignedIntegerTests {
    /// Minimal two's-complement encodings from the binary specification.
    @Test(arguments: [
        (0, ""), (1, "01"), (127, "7f"), (128, "0080"), (255, "00ff"), (256, "0100"), (32768, "008000"),
        (-1, "ff"), (-128, "80"), (-129, "ff7f"), (-257, "feff"), (Int.max, "7fffffffffffffff"),
        (Int.min, "8000000000000000"),
    ])
    func machineWordEncodings(value: Int, hexBytes: String) {
        let n = SignedInteger(value)
        #expect(hex(n.twosComplementBytes) == hexBytes)
        #expect(n.twosComplementByteCount == hexBytes.count / 2)
        #expect(SignedInteger(twosComplementBytes: n.twosComplementBytes) == n)
    }

    @Test(arguments: [
        "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "-18446744073709551616", "98765432109876543210987654321098765432109",
        "-98765432109876543210987654321098765432109", "87112285931760246646623899502532662132736",
        "-87112285931760246646623899502532662132736", "1234567812345678123456781234567",
    ])
    func bigValuesRoundTrip(decimal: String) throws {
        let n = try #require(SignedInteger(decimal: decimal))
        guard case .big(let b) = n else {
            Issue.record("\(decimal) should not fit in an Int")
            return
        }
        #expect(n.description == decimal)
        let bytes = n.twosComplementBytes
        #expect(bytes.count == n.twosComplementByteCount)
        #expect(SignedInteger(twosComplementBytes: bytes) == n)
        // Minimal: dropping the first byte must change the value or its sign.
        let shorter = SignedInteger(twosComplementBytes: bytes.dropFirst())
        #expect(shorter != n)
        #expect((shorter.signum < 0) != (b < 0) || shorter.bigInt.magnitude < b.magnitude)
    }

    @Test func boundaryBetweenSmallAndBig() {
        let maxPlusOne = SignedInteger(BigInt(Int.max) + 1)
        #expect(maxPlusOne.int == nil)
        #expect(SignedInteger(BigInt(Int.max)) == SignedInteger(Int.max))
        #expect(SignedInteger(BigInt(Int.max)).int == Int.max)
        #expect(SignedInteger(Int.max) < maxPlusOne)
        #expect(SignedInteger(BigInt(Int.min) - 1) < SignedInteger(Int.min))
        #expect(hex(maxPlusOne.twosComplementBytes) == "008000000000000000")
    }

    @Test func decimalParsing() {
        #expect(SignedInteger(decimal: "+127") == 127)
        #expect(SignedInteger(decimal: "-0") == 0)
        #expect(SignedInteger(decimal: "01") == 1)
        #expect(SignedInteger(decimal: "1.0") == nil)
        #expect(SignedInteger(decimal: "") == nil)
        #expect(SignedInteger(decimal: "-") == nil)
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

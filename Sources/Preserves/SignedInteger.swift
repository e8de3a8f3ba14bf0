import BigInt

/// A Preserves SignedInteger: an integer of unbounded precision.
///
/// Values in the range of `Int` are held inline (the common case on the wire costs no
/// allocation); larger magnitudes are held as a `BigInt`. The representation is normalised, so
/// equal integers always have the same case.
public enum SignedInteger: Sendable {
    case small(Int)
    indirect case big(BigInt)

    /// Creates an integer from a machine word.
    @inlinable
    public init(_ value: Int) { self = .small(value) }

    /// Creates an integer from any binary integer, exactly.
    public init(_ value: some BinaryInteger) {
        if let small = Int(exactly: value) {
            self = .small(small)
        } else {
            self = .big(BigInt(value))
        }
    }

    /// Creates an integer from a `BigInt`, using the inline representation when it fits.
    public init(_ value: BigInt) {
        if let small = Int(exactly: value) {
            self = .small(small)
        } else {
            self = .big(value)
        }
    }

    /// Parses optionally signed decimal digits (`-42`, `+7`, `123`); `nil` if `text` is not that.
    ///
    /// Takes time O(n^1.6) for n digits, not O(n²); readers of untrusted input should still
    /// bound n (see ``ReaderLimits/maxIntegerDigits``).
    public init?(decimal text: some StringProtocol) {
        let utf8 = text.utf8
        guard let first = utf8.first else { return nil }
        let digits = (first == UInt8(ascii: "-") || first == UInt8(ascii: "+")) ? utf8.dropFirst() : utf8[...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        if digits.count <= 18 {
            var n = 0
            for d in digits { n = n * 10 + Int(d - UInt8(ascii: "0")) }
            self = .small(first == UInt8(ascii: "-") ? -n : n)
        } else {
            let magnitude = digits.withContiguousStorageIfAvailable { DecimalConversion.value(ofDecimal: $0) }
                ?? Array(digits).withUnsafeBufferPointer { DecimalConversion.value(ofDecimal: $0) }
            self.init(BigInt(sign: first == UInt8(ascii: "-") ? .minus : .plus, magnitude: magnitude))
        }
    }

    /// The value as an `Int`, if it fits.
    @inlinable
    public var int: Int? {
        if case .small(let n) = self { return n }
        return nil
    }

    /// The value as a `BigInt`.
    public var bigInt: BigInt {
        switch self {
        case .small(let n): BigInt(n)
        case .big(let b): b
        }
    }

    /// The value converted to `T`, if it fits exactly.
    public func exactly<T: BinaryInteger>(_: T.Type = T.self) -> T? {
        switch self {
        case .small(let n): T(exactly: n)
        case .big(let b): T(exactly: b)
        }
    }

    /// -1, 0 or 1.
    public var signum: Int {
        switch self {
        case .small(let n): n.signum()
        case .big(let b): b.signum() == 0 ? 0 : (b < 0 ? -1 : 1)
        }
    }
}

extension SignedInteger: Hashable {
    @inlinable
    public static func == (lhs: SignedInteger, rhs: SignedInteger) -> Bool {
        switch (lhs, rhs) {
        case (.small(let a), .small(let b)): a == b
        case (.big(let a), .big(let b)): a == b
        default: false  // normalised: a small and a big value are never equal
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .small(let n): hasher.combine(n)
        case .big(let b): hasher.combine(b)
        }
    }
}

extension SignedInteger: Comparable {
    @inlinable
    public static func < (lhs: SignedInteger, rhs: SignedInteger) -> Bool {
        if case .small(let a) = lhs, case .small(let b) = rhs { return a < b }
        return lhs.bigInt < rhs.bigInt
    }
}

extension SignedInteger: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .small(value) }
}

extension SignedInteger: CustomStringConvertible {
    /// Decimal digits, with a leading `-` when negative. Takes time O(n^1.6) for n digits.
    public var description: String {
        switch self {
        case .small(let n): String(n)
        case .big(let b): (b.sign == .minus ? "-" : "") + DecimalConversion.decimalString(b.magnitude)
        }
    }
}

// MARK: - Two's complement bytes, as the binary syntax writes them

extension SignedInteger {
    /// The minimal big-endian two's-complement bytes of this integer; empty for zero.
    public var twosComplementBytes: [UInt8] {
        var out: [UInt8] = []
        appendTwosComplementBytes(to: &out)
        return out
    }

    /// The number of bytes ``twosComplementBytes`` holds.
    public var twosComplementByteCount: Int {
        switch self {
        case .small(let n):
            return Self.byteCount(n)
        case .big(let b):
            // bits needed for the magnitude of b (or of ~b when negative), plus a sign bit
            let m = b.signum() < 0 ? -(b + 1) : b
            return (m.magnitude.bitWidth + 1 + 7) / 8  // BigUInt.bitWidth counts significant bits only
        }
    }

    @inlinable
    static func byteCount(_ n: Int) -> Int {
        if n == 0 { return 0 }
        let m = n < 0 ? ~n : n
        let bits = Int.bitWidth - m.leadingZeroBitCount + 1
        return (bits + 7) / 8
    }

    /// Appends the minimal big-endian two's-complement bytes of this integer.
    public func appendTwosComplementBytes(to out: inout [UInt8]) {
        switch self {
        case .small(let n):
            var count = Self.byteCount(n)
            while count > 0 {
                count -= 1
                out.append(UInt8(truncatingIfNeeded: n >> (count * 8)))
            }
        case .big(let b):
            let count = twosComplementByteCount
            // For negative values, write b + 256^count, which is the two's complement pattern.
            let unsigned = b.signum() < 0 ? (BigInt(1) << (count * 8)) + b : b
            let words = Array(unsigned.magnitude.words)  // least significant word first
            for index in stride(from: count - 1, through: 0, by: -1) {
                let word = index / (UInt.bitWidth / 8)
                let shift = (index % (UInt.bitWidth / 8)) * 8
                out.append(word < words.count ? UInt8(truncatingIfNeeded: words[word] >> UInt(shift)) : 0)
            }
        }
    }

    /// Interprets big-endian two's-complement bytes; empty means zero.
    public init(twosComplementBytes bytes: some Collection<UInt8>) {
        if bytes.count <= 8 {
            guard let first = bytes.first else {
                self = .small(0)
                return
            }
            var n: Int = Int(Int8(bitPattern: first))
            for b in bytes.dropFirst() { n = (n << 8) | Int(b) }
            self = .small(n)
            return
        }
        let wordSize = UInt.bitWidth / 8
        var words = [UInt](repeating: 0, count: (bytes.count + wordSize - 1) / wordSize)
        for (offset, byte) in bytes.reversed().enumerated() {
            words[offset / wordSize] |= UInt(byte) << UInt((offset % wordSize) * 8)
        }
        var value = BigInt(BigUInt(words: words))
        if let first = bytes.first, first & 0x80 != 0 {
            value -= BigInt(1) << (bytes.count * 8)
        }
        self.init(value)
    }
}

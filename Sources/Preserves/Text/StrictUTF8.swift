/// Strict UTF-8 decoding for the text syntax, as the Unicode standard defines well-formed
/// sequences (Table 3-7): no overlong forms, no surrogates (`ED A0…BF`), nothing above
/// U+10FFFF, no `C0`, `C1` or `F5…FF` bytes, and every continuation byte in its range.
enum StrictUTF8 {
    enum Decoded: Equatable {
        /// A well-formed scalar of `width` bytes.
        case scalar(Unicode.Scalar, width: Int)
        /// The buffer ends inside a sequence whose bytes so far could still be well formed.
        case truncated
        /// The bytes at this offset are not well-formed UTF-8.
        case invalid
    }

    /// Decodes the scalar that starts at `buffer[i]` (which must exist).
    @inline(__always)
    static func decode(_ buffer: UnsafeBufferPointer<UInt8>, at i: Int) -> Decoded {
        let b0 = buffer[i]
        if b0 < 0x80 { return .scalar(Unicode.Scalar(b0), width: 1) }
        let width: Int
        // The range the second byte must lie in; later bytes are always 80…BF.
        let secondLow: UInt8
        let secondHigh: UInt8
        switch b0 {
        case 0xC2...0xDF: width = 2; secondLow = 0x80; secondHigh = 0xBF
        case 0xE0: width = 3; secondLow = 0xA0; secondHigh = 0xBF
        case 0xE1...0xEC, 0xEE...0xEF: width = 3; secondLow = 0x80; secondHigh = 0xBF
        case 0xED: width = 3; secondLow = 0x80; secondHigh = 0x9F
        case 0xF0: width = 4; secondLow = 0x90; secondHigh = 0xBF
        case 0xF1...0xF3: width = 4; secondLow = 0x80; secondHigh = 0xBF
        case 0xF4: width = 4; secondLow = 0x80; secondHigh = 0x8F
        default: return .invalid  // 80…C1 and F5…FF never start a sequence
        }
        var value = UInt32(b0) & (0x7F >> UInt32(width))
        for k in 1..<width {
            guard i + k < buffer.count else { return .truncated }
            let b = buffer[i + k]
            let (low, high) = k == 1 ? (secondLow, secondHigh) : (0x80, 0xBF)
            guard b >= low && b <= high else { return .invalid }
            value = (value << 6) | UInt32(b & 0x3F)
        }
        // The ranges above exclude surrogates and values beyond U+10FFFF, so this never fails.
        guard let scalar = Unicode.Scalar(value) else { return .invalid }
        return .scalar(scalar, width: width)
    }
}

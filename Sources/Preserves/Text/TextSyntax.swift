/// Lexical rules of the Preserves text syntax shared by the reader and the writer.
enum TextSyntax {
    /// ASCII punctuation allowed in bare symbols (besides letters and digits).
    static func isSymbolPunctuation(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "^"),
            UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "_"), UInt8(ascii: "="),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "|"):
            true
        default:
            false
        }
    }

    /// Whether the ASCII byte may appear in a bare symbol or number.
    static func isSymbolASCII(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || isSymbolPunctuation(b)
    }

    /// Whether a non-ASCII scalar may appear in a bare symbol: letters, marks, numbers,
    /// punctuation and symbols, but not separators, controls or unassigned code points.
    static func isSymbolNonASCII(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format, .surrogate,
            .privateUse, .unassigned:
            false
        default:
            true
        }
    }

    static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// Whether `text` matches `[+-]?\d+((\.\d+([eE][+-]?\d+)?)|([eE][+-]?\d+))?`; returns whether
    /// it is an integer (no fraction, no exponent) when it does, and `nil` when it does not.
    static func numberShape(_ text: some Collection<UInt8>) -> (isInteger: Bool, matches: Bool) {
        var i = text.startIndex
        let end = text.endIndex
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        func digits() -> Bool {
            let start = i
            while i != end && isDigit(text[i]) { i = text.index(after: i) }
            return i != start
        }
        if i != end && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) { i = text.index(after: i) }
        guard digits() else { return (false, false) }
        if i == end { return (true, true) }
        var sawFraction = false
        if text[i] == UInt8(ascii: ".") {
            i = text.index(after: i)
            guard digits() else { return (false, false) }
            sawFraction = true
            if i == end { return (false, true) }
        }
        if text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            i = text.index(after: i)
            if i != end && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) { i = text.index(after: i) }
            guard digits() else { return (false, false) }
            return (false, i == end)
        }
        _ = sawFraction
        return (false, false)
    }

    /// Whether `text` can be printed as a bare symbol and read back as the same symbol.
    static func isBareSymbol(_ text: String) -> Bool {
        let utf8 = text.utf8
        if utf8.isEmpty { return false }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                if !isSymbolASCII(UInt8(scalar.value)) { return false }
            } else if !isSymbolNonASCII(scalar) {
                return false
            }
        }
        return !numberShape(utf8).matches
    }
}

/// Base64 as the text syntax uses it: standard or URL-safe alphabet, padding optional.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            var n = UInt32(bytes[i]) << 16
            if rest == 2 { n |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(rest == 2 ? alphabet[Int((n >> 6) & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 6-bit value of a base64 digit in either alphabet.
    static func digit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(b - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(b - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

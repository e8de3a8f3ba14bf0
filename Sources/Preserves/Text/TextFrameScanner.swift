/// Finds where the next complete text value ends in a growing buffer, without reading it.
///
/// Network readers receive text in pieces. The scanner follows the lexical structure only —
/// nesting, strings and their escapes, comments, `#` forms, bare words — and keeps its state
/// between calls, so each byte is examined once however the input is split. It enforces
/// ``ReaderLimits/maxSize`` and ``ReaderLimits/maxDepth`` while the value is still incomplete,
/// and checks UTF-8. It reports a complete value's length, "need more bytes", or a typed
/// error for input that can never become valid.
///
/// A length it reports is exactly what ``TextReader`` reads from the same bytes: annotations
/// and comments before a value are part of it, whitespace after it is not, and a bare symbol,
/// number, `#t` or `#f` is complete only once the byte after it has arrived. The reader does
/// the rest of the checking (escapes, hex and base64 digits, duplicate keys, record labels).
public struct TextFrameScanner: Sendable {
    private enum Frame: Sendable, Equatable {
        case record, sequence, set, dictionary
        /// After `@` (an annotation and its value follow) or `#:` (one value follows).
        case prefix(remaining: Int)
    }

    private enum Mode: Sendable, Equatable {
        /// Between tokens: whitespace, separators, closing brackets, or the start of a value.
        case between
        /// In a bare symbol or number.
        case word
        /// Just after `#t` or `#f`, which a symbol character must not follow.
        case afterBoolean
        /// In a string or quoted symbol ending at `quote`; `escaped` just after a backslash.
        case quoted(quote: UInt8, escaped: Bool)
        /// In a `#"…"` byte string.
        case byteString(escaped: Bool)
        /// In a `#x"…"` or `#xd"…"` body.
        case hex
        /// In a `#[…]` body.
        case base64
        /// In a comment or `#!` line, up to the end of the line.
        case comment
    }

    public var limits: ReaderLimits
    /// Bytes looked at since the scanner was created, counting any looked at again after a
    /// call that needed more input: a measure of the work done.
    public private(set) var examinedByteCount = 0
    /// Offset of the next byte to examine.
    private var position = 0
    /// Offset of the value's first byte (after leading whitespace), once seen.
    private var valueStart: Int?
    private var stack: [Frame] = []
    private var mode = Mode.between

    public init(limits: ReaderLimits = .default) {
        self.limits = limits
    }

    /// Forgets the current value, to scan a new one from the next byte.
    public mutating func reset() {
        position = 0
        valueStart = nil
        stack.removeAll(keepingCapacity: true)
        mode = .between
    }

    /// Continues scanning the value that starts at `buffer[0]`.
    ///
    /// `buffer` must hold the same leading bytes on every call until a length is returned
    /// (it may have grown). Returns the value's length once it is complete, and `nil` while
    /// more bytes are needed. After a length is returned, call ``reset()`` before scanning
    /// the next value. Errors carry offsets, lines and columns relative to `buffer[0]`.
    public mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) -> Int? {
        if let end = try advance(buffer) { return end }
        // Waiting for more: the value must still fit once it has arrived.
        if let start = valueStart, position - start > limits.maxSize {
            throw error(.limitExceeded, "value exceeds the size limit of \(limits.maxSize) bytes", at: start, in: buffer)
        }
        return nil
    }

    /// Scans as far as the buffer allows; the value's length if it is complete.
    private mutating func advance(_ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) -> Int? {
        let count = buffer.count
        while position < count {
            if let start = valueStart, position - start > limits.maxSize {
                throw error(.limitExceeded, "value exceeds the size limit of \(limits.maxSize) bytes", at: start, in: buffer)
            }
            let b = buffer[position]
            examinedByteCount &+= 1
            switch mode {
            case .between:
                if TextSyntax.isWhitespace(b) {
                    position += 1
                    continue
                }
                if valueStart == nil { valueStart = position }
                switch try between(b, buffer) {
                case .proceed: break
                case .complete(let end): return end
                case .needMore: return nil
                }

            case .word:
                // The common case first: a run of ASCII symbol characters.
                var i = position
                while i < count, buffer[i] < 0x80, TextSyntax.isSymbolASCII(buffer[i]) { i += 1 }
                examinedByteCount &+= max(0, i - position - 1)  // the first was counted above
                position = i
                guard i < count else { return nil }
                if buffer[i] >= 0x80 {
                    guard let (scalar, width) = try scalar(at: i, buffer) else { return nil }
                    if TextSyntax.isSymbolNonASCII(scalar) {
                        position += width
                        continue
                    }
                }
                // The byte at `position` ends the word; it is examined again as a delimiter.
                mode = .between
                if completeValue() { return position }

            case .afterBoolean:
                if b < 0x80 {
                    if TextSyntax.isSymbolASCII(b) {
                        throw error(.malformed, "\"#t\" and \"#f\" must be followed by a delimiter", at: position - 2, in: buffer)
                    }
                } else {
                    guard let (scalar, _) = try scalar(at: position, buffer) else { return nil }
                    if TextSyntax.isSymbolNonASCII(scalar) {
                        throw error(.malformed, "\"#t\" and \"#f\" must be followed by a delimiter", at: position - 2, in: buffer)
                    }
                }
                mode = .between
                if completeValue() { return position }

            case .quoted(let quote, let escaped):
                if escaped {
                    // Every escape is a backslash and an ASCII character (the reader checks which).
                    if b >= 0x80 { throw error(.malformed, "invalid escape", at: position - 1, in: buffer) }
                    position += 1
                    mode = .quoted(quote: quote, escaped: false)
                    continue
                }
                var i = position
                while i < count, buffer[i] < 0x80, buffer[i] != quote, buffer[i] != UInt8(ascii: "\\") { i += 1 }
                examinedByteCount &+= max(0, i - position - 1)  // the first was counted above
                position = i
                guard i < count else { return nil }
                let c = buffer[i]
                if c == quote {
                    position += 1
                    mode = .between
                    if completeValue() { return position }
                } else if c == UInt8(ascii: "\\") {
                    position += 1
                    mode = .quoted(quote: quote, escaped: true)
                } else {
                    guard let (_, width) = try scalar(at: i, buffer) else { return nil }
                    position += width
                }

            case .byteString(let escaped):
                guard b >= 0x20 && b <= 0x7E else {
                    throw error(.malformed, "byte strings hold printable ASCII only; use \\x escapes", at: position, in: buffer)
                }
                position += 1
                if escaped {
                    mode = .byteString(escaped: false)
                } else if b == UInt8(ascii: "\\") {
                    mode = .byteString(escaped: true)
                } else if b == UInt8(ascii: "\"") {
                    mode = .between
                    if completeValue() { return position }
                }

            case .hex:
                position += 1
                if b == UInt8(ascii: "\"") {
                    mode = .between
                    if completeValue() { return position }
                } else if !(TextSyntax.isWhitespace(b) || Self.isHexDigit(b)) {
                    throw error(.malformed, "invalid character in a hex byte string", at: position - 1, in: buffer)
                }

            case .base64:
                position += 1
                if b == UInt8(ascii: "]") {
                    mode = .between
                    if completeValue() { return position }
                } else if !(TextSyntax.isWhitespace(b) || b == UInt8(ascii: "=") || Base64.digit(b) != nil) {
                    throw error(.malformed, "invalid character in base64", at: position - 1, in: buffer)
                }

            case .comment:
                var i = position
                while i < count, buffer[i] < 0x80, buffer[i] != UInt8(ascii: "\n"), buffer[i] != UInt8(ascii: "\r") { i += 1 }
                examinedByteCount &+= max(0, i - position - 1)  // the first was counted above
                position = i
                guard i < count else { return nil }
                if buffer[i] >= 0x80 {
                    guard let (_, width) = try scalar(at: i, buffer) else { return nil }
                    position += width
                } else {
                    mode = .between  // the line break is whitespace
                }
            }
        }
        return nil
    }

    /// What handling a token's first bytes leads to.
    private enum Step {
        case proceed
        /// The whole value ends here, with this length.
        case complete(Int)
        /// The token cannot be told apart yet; `position` stays on it.
        case needMore
    }

    /// Handles the byte `b` at `position` between tokens.
    private mutating func between(_ b: UInt8, _ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) -> Step {
        switch b {
        case UInt8(ascii: "<"):
            try push(.record, buffer)
            position += 1
        case UInt8(ascii: "["):
            try push(.sequence, buffer)
            position += 1
        case UInt8(ascii: "{"):
            try push(.dictionary, buffer)
            position += 1
        case UInt8(ascii: ">"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            let matches: Bool
            switch stack.last {
            case .record?: matches = b == UInt8(ascii: ">")
            case .sequence?: matches = b == UInt8(ascii: "]")
            case .set?, .dictionary?: matches = b == UInt8(ascii: "}")
            case .prefix?: throw error(.malformed, "an annotation or embedded value must be followed by a value", at: position, in: buffer)
            case nil: matches = false
            }
            guard matches else { throw error(.malformed, "unexpected \"\(Unicode.Scalar(b))\"", at: position, in: buffer) }
            stack.removeLast()
            position += 1
            if completeValue() { return .complete(position) }
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            mode = .quoted(quote: b, escaped: false)
            position += 1
        case UInt8(ascii: "@"):
            try push(.prefix(remaining: 2), buffer)
            position += 1
        case UInt8(ascii: ","):
            switch stack.last {
            case .sequence?, .set?, .dictionary?: position += 1
            default: throw error(.malformed, "a comma is not allowed here", at: position, in: buffer)
            }
        case UInt8(ascii: ":"):
            guard stack.last == .dictionary else {
                throw error(.malformed, "a colon is only allowed between a dictionary key and its value", at: position, in: buffer)
            }
            position += 1
        case UInt8(ascii: "#"):
            return try hash(buffer)
        default:
            if b < 0x80 {
                guard TextSyntax.isSymbolASCII(b) else {
                    throw error(.malformed, "unexpected character \"\(Unicode.Scalar(b).escaped(asASCII: true))\"", at: position, in: buffer)
                }
                position += 1
            } else {
                guard let (scalar, width) = try scalar(at: position, buffer) else { return .needMore }
                guard TextSyntax.isSymbolNonASCII(scalar) else {
                    throw error(.malformed, "unexpected character \"\(scalar.escaped(asASCII: true))\"", at: position, in: buffer)
                }
                position += width
            }
            mode = .word
        }
        return .proceed
    }

    /// Handles a `#` form at `position`, once enough of it has arrived to tell which it is
    /// (until then, `position` stays on the `#`).
    private mutating func hash(_ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) -> Step {
        let count = buffer.count
        guard position + 1 < count else { return .needMore }
        let next = buffer[position + 1]
        examinedByteCount &+= 1
        switch next {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "!"):
            mode = .comment
            position += 2
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            position += 1  // an empty comment; the line break is whitespace
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            mode = .afterBoolean
            position += 2
        case UInt8(ascii: "{"):
            try push(.set, buffer)
            position += 2
        case UInt8(ascii: "\""):
            mode = .byteString(escaped: false)
            position += 2
        case UInt8(ascii: "["):
            mode = .base64
            position += 2
        case UInt8(ascii: ":"):
            try push(.prefix(remaining: 1), buffer)
            position += 2
        case UInt8(ascii: "x"):
            guard position + 2 < count else { return .needMore }
            examinedByteCount &+= 1
            if buffer[position + 2] == UInt8(ascii: "\"") {
                mode = .hex
                position += 3
                return .proceed
            }
            if buffer[position + 2] == UInt8(ascii: "d") {
                guard position + 3 < count else { return .needMore }
                examinedByteCount &+= 1
                if buffer[position + 3] == UInt8(ascii: "\"") {
                    mode = .hex
                    position += 4
                    return .proceed
                }
            }
            throw error(.malformed, "expected #x\"…\" or #xd\"…\"", at: position, in: buffer)
        default:
            throw error(.malformed, "invalid syntax after \"#\"", at: position, in: buffer)
        }
        return .proceed
    }

    private mutating func push(_ frame: Frame, _ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) {
        if stack.count >= limits.maxDepth {
            throw error(.limitExceeded, "nesting deeper than \(limits.maxDepth)", at: position, in: buffer)
        }
        stack.append(frame)
    }

    /// Records that a value just ended; returns true when that completes the whole value.
    private mutating func completeValue() -> Bool {
        while case .prefix(let remaining)? = stack.last {
            if remaining > 1 {
                stack[stack.count - 1] = .prefix(remaining: remaining - 1)
                return false
            }
            stack.removeLast()
        }
        return stack.isEmpty
    }

    /// The scalar at `i`, or `nil` if the buffer ends inside it (more input may complete it).
    private mutating func scalar(
        at i: Int, _ buffer: UnsafeBufferPointer<UInt8>
    ) throws(TextParseError) -> (Unicode.Scalar, Int)? {
        examinedByteCount &+= min(3, buffer.count - i - 1)
        switch StrictUTF8.decode(buffer, at: i) {
        case .scalar(let s, let width): return (s, width)
        case .truncated: return nil
        case .invalid: throw error(.malformed, "invalid UTF-8", at: i, in: buffer)
        }
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
            || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"))
    }

    /// An error at `offset`, with its line and column (in scalars) counted from `buffer[0]`.
    private func error(
        _ kind: TextParseError.Kind, _ message: String, at offset: Int, in buffer: UnsafeBufferPointer<UInt8>
    ) -> TextParseError {
        let offset = min(max(offset, 0), buffer.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where buffer[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        let column = 1 + buffer[lineStart..<offset].count { $0 & 0xC0 != 0x80 }
        return TextParseError(kind, offset: offset, line: line, column: column, message)
    }
}

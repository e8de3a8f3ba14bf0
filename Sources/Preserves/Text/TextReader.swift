/// Reads values in the Preserves text syntax (0.996).
///
/// ```swift
/// let value = try IOValue(text: "<point 1 2>")
/// ```
///
/// With ``keepAnnotations`` set, `@annotations` and comments are kept (comments become String
/// annotations; a `#!` line becomes `<interpreter "…">`). Errors carry line and column, and
/// tell malformed text from text that merely ends early.
public struct TextReader<Embedded: PreservesEmbedded>: Sendable {
    public var limits: ReaderLimits
    public var keepAnnotations: Bool
    /// Whether to record where each value starts (see ``Value/position``). Schema readers use
    /// this to report errors at the right line and column.
    public var recordPositions: Bool = false
    /// Turns the value written after `#:` into an embedded value.
    public var decodeEmbedded: @Sendable (Value<Embedded>) throws -> Embedded

    public init(
        limits: ReaderLimits = .default,
        keepAnnotations: Bool = false,
        decodeEmbedded: @escaping @Sendable (Value<Embedded>) throws -> Embedded
    ) {
        self.limits = limits
        self.keepAnnotations = keepAnnotations
        self.decodeEmbedded = decodeEmbedded
    }

    /// Reads exactly one value; whitespace and comments may follow it.
    public func decode(_ text: String) throws(TextParseError) -> Value<Embedded> {
        try withUTF8(text) { buffer throws(TextParseError) in try decodeOne(buffer) }
    }

    /// Reads exactly one value from UTF-8 bytes. Bytes that are not well-formed UTF-8 are a
    /// ``TextParseError/Kind/malformed`` error, even a sequence cut short by the end of the
    /// input: `bytes` is the whole input.
    public func decode(utf8 bytes: some Collection<UInt8>) throws(TextParseError) -> Value<Embedded> {
        try withBytes(bytes) { buffer throws(TextParseError) in try decodeOne(buffer) }
    }

    /// Reads every value in `text`, one after another.
    public func decodeAll(_ text: String) throws(TextParseError) -> [Value<Embedded>] {
        try withUTF8(text) { buffer throws(TextParseError) in try decodeMany(buffer) }
    }

    /// Reads every value in UTF-8 `bytes`, one after another.
    public func decodeAll(utf8 bytes: some Collection<UInt8>) throws(TextParseError) -> [Value<Embedded>] {
        try withBytes(bytes) { buffer throws(TextParseError) in try decodeMany(buffer) }
    }

    /// Reads the value starting at `offset`, returning it and the offset just past it, or `nil`
    /// if only whitespace and comments remain.
    ///
    /// `buffer` may be the start of a stream: a value, or a UTF-8 sequence, that the end of the
    /// buffer cuts short is ``TextParseError/Kind/truncated``; bytes that are not well-formed
    /// UTF-8 are ``TextParseError/Kind/malformed``, and so is an `offset` outside the buffer.
    public func decodePrefix(
        _ buffer: UnsafeBufferPointer<UInt8>, from offset: Int = 0
    ) throws(TextParseError) -> (value: Value<Embedded>, end: Int)? {
        var cursor = TextCursor(buffer: buffer, reader: self, wholeInput: false)
        guard offset >= 0 && offset <= buffer.count else {
            throw TextParseError(.malformed, offset: 0, line: 1, column: 1, "offset \(offset) is outside the input")
        }
        cursor.index = offset
        guard let value = try cursor.readTopLevel() else { return nil }
        return (value, cursor.index)
    }

    private func decodeOne(_ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) -> Value<Embedded> {
        var cursor = TextCursor(buffer: buffer, reader: self, wholeInput: true)
        guard let value = try cursor.readTopLevel() else {
            if buffer.isEmpty { throw cursor.error(.endOfInput, "no input") }
            throw cursor.error(.truncated, "input holds no value")
        }
        if try cursor.readTopLevel() != nil {
            throw cursor.error(.malformed, "unexpected text after the value", at: cursor.lastValueStart)
        }
        return value
    }

    private func decodeMany(_ buffer: UnsafeBufferPointer<UInt8>) throws(TextParseError) -> [Value<Embedded>] {
        var cursor = TextCursor(buffer: buffer, reader: self, wholeInput: true)
        var values: [Value<Embedded>] = []
        while let value = try cursor.readTopLevel() { values.append(value) }
        return values
    }

    private func withUTF8<R>(
        _ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(TextParseError) -> R
    ) throws(TextParseError) -> R {
        var text = text
        let result = text.withUTF8 { buffer in Result { () throws(TextParseError) -> R in try body(buffer) } }
        return try result.get()
    }

    /// Runs `body` over the bytes in contiguous memory. They are not checked here: the cursor
    /// checks UTF-8 as it reads, so every byte is checked once, where it is used.
    private func withBytes<R>(
        _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(TextParseError) -> R
    ) throws(TextParseError) -> R {
        var result: Result<R, TextParseError>?
        bytes.withContiguousStorageIfAvailable { buffer in
            result = Result { () throws(TextParseError) -> R in try body(buffer) }
        }
        if let result { return try result.get() }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer in
            Result { () throws(TextParseError) -> R in try body(buffer) }
        }.get()
    }
}

extension TextReader where Embedded: PreservesEmbeddedCodable {
    /// Creates a reader that decodes embedded values with their `PreservesEmbeddedCodable` conformance.
    public init(limits: ReaderLimits = .default, keepAnnotations: Bool = false, recordPositions: Bool = false) {
        self.init(limits: limits, keepAnnotations: keepAnnotations) { try Embedded(preservesRepresentation: $0) }
        self.recordPositions = recordPositions
    }
}

extension Value where Embedded: PreservesEmbeddedCodable {
    /// Reads exactly one value from the Preserves text syntax.
    public init(text: String, limits: ReaderLimits = .default, keepAnnotations: Bool = false) throws(TextParseError) {
        self = try TextReader(limits: limits, keepAnnotations: keepAnnotations).decode(text)
    }

    /// This value in text syntax.
    public func text(options: TextWriter<Embedded>.Options = .compact) -> String {
        TextWriter(options: options).write(self)
    }
}

/// The reading state over one UTF-8 buffer.
struct TextCursor<Embedded: PreservesEmbedded> {
    let buffer: UnsafeBufferPointer<UInt8>
    let reader: TextReader<Embedded>
    var index = 0
    var depth = 0
    var lastValueStart = 0
    /// Offsets at which lines start, when positions are recorded.
    let lineStarts: [Int]
    /// Whether the buffer holds all of the input, so that a UTF-8 sequence cut short by its
    /// end can never be completed (malformed), rather than the part of a stream received so
    /// far (truncated).
    let wholeInput: Bool

    init(buffer: UnsafeBufferPointer<UInt8>, reader: TextReader<Embedded>, wholeInput: Bool) {
        self.buffer = buffer
        self.reader = reader
        self.wholeInput = wholeInput
        var starts = [0]
        if reader.recordPositions {
            for (i, b) in buffer.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        }
        self.lineStarts = starts
    }

    /// The last position computed, so that positions further along the same line cost only the
    /// bytes between them (many values on one long line would otherwise be quadratic).
    var lastPosition = SourcePosition(offset: 0, line: 1, column: 1)

    /// The line and column of `offset`, found by binary search over ``lineStarts``.
    mutating func position(of offset: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        // Count scalars, not bytes: continuation bytes (10xxxxxx) do not start a column.
        let column: Int
        if lastPosition.line == low + 1 && lastPosition.offset <= offset {
            column = lastPosition.column + buffer[lastPosition.offset..<offset].count { $0 & 0xC0 != 0x80 }
        } else if lastPosition.line == low + 1 {
            // Back along the same line (a compound value's position comes after its items'):
            // counting from the line's start instead would be quadratic on one long line.
            column = lastPosition.column - buffer[offset..<lastPosition.offset].count { $0 & 0xC0 != 0x80 }
        } else {
            column = 1 + buffer[lineStarts[low]..<offset].count { $0 & 0xC0 != 0x80 }
        }
        lastPosition = SourcePosition(offset: offset, line: low + 1, column: column)
        return lastPosition
    }

    // MARK: Errors

    func error(_ kind: TextParseError.Kind, _ message: String, at offset: Int? = nil) -> TextParseError {
        let offset = min(offset ?? index, buffer.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where buffer[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        // Count scalars, not bytes: continuation bytes (10xxxxxx) do not start a column.
        let column = 1 + buffer[lineStart..<offset].count { $0 & 0xC0 != 0x80 }
        return TextParseError(kind, offset: offset, line: line, column: column, message)
    }

    func malformed(_ message: String, at offset: Int? = nil) -> TextParseError {
        error(.malformed, message, at: offset)
    }

    func truncated(_ what: String) -> TextParseError {
        error(.truncated, "input ended inside \(what)")
    }

    // MARK: Low-level scanning

    var atEnd: Bool { index >= buffer.count }

    func peek() -> UInt8? { index < buffer.count ? buffer[index] : nil }

    func peek(at offset: Int) -> UInt8? { index + offset < buffer.count ? buffer[index + offset] : nil }

    mutating func skipWhitespace(commas: Bool) {
        while let b = peek(), TextSyntax.isWhitespace(b) || (commas && b == UInt8(ascii: ",")) { index += 1 }
    }

    mutating func enter() throws(TextParseError) {
        depth += 1
        if depth > reader.limits.maxDepth {
            throw error(.limitExceeded, "nesting deeper than \(reader.limits.maxDepth)")
        }
    }

    /// Decodes the scalar at `i` strictly, returning it and its width. Ill-formed UTF-8 is
    /// malformed; so is a sequence cut off by the end of a whole input, while at the end of a
    /// stream's buffer it is truncated (more input could complete it).
    func scalar(at i: Int) throws(TextParseError) -> (Unicode.Scalar, Int) {
        switch StrictUTF8.decode(buffer, at: i) {
        case .scalar(let s, let width): return (s, width)
        case .truncated where !wholeInput: throw error(.truncated, "input ended inside a UTF-8 sequence", at: i)
        case .truncated: throw malformed("invalid UTF-8: the input ends inside a sequence", at: i)
        case .invalid: throw malformed("invalid UTF-8", at: i)
        }
    }

    /// Steps over the scalar at `index`, checking it if it is not ASCII.
    @inline(__always)
    mutating func skipScalar() throws(TextParseError) {
        if buffer[index] < 0x80 {
            index += 1
        } else {
            index += try scalar(at: index).1
        }
    }

    // MARK: Values

    /// Reads the next top-level value, or returns `nil` at the end of input.
    mutating func readTopLevel() throws(TextParseError) -> Value<Embedded>? {
        depth = 0
        let value = try readValue(close: nil, topLevel: true)
        if let size = Optional(index - lastValueStart), size > reader.limits.maxSize {
            throw error(.limitExceeded, "value exceeds the size limit of \(reader.limits.maxSize) bytes")
        }
        return value
    }

    /// Reads a value with any annotations before it.
    ///
    /// Returns `nil` (leaving `index` on it) when it meets `close` — the closing delimiter of the
    /// enclosing compound — before a value, or the end of input at top level. Comments that
    /// precede such a point are dropped; an `@annotation` there is an error.
    mutating func readValue(
        close: UInt8?, inside context: String = "a value", topLevel: Bool = false
    ) throws(TextParseError) -> Value<Embedded>? {
        var annotations: [Value<Embedded>] = []
        var hasAtAnnotation = false
        var annotationDepth = 0
        defer { depth -= annotationDepth }
        while true {
            skipWhitespace(commas: false)
            if topLevel && annotations.isEmpty { lastValueStart = index }
            guard let b = peek() else {
                if topLevel && !hasAtAnnotation { return nil }
                throw truncated(hasAtAnnotation ? "an annotated value" : context)
            }
            if b == UInt8(ascii: "@") {
                let at = index
                index += 1
                if peek() == UInt8(ascii: ",") { throw malformed("a comma cannot follow \"@\"") }
                try enter()
                annotationDepth += 1
                guard let annotation = try readValue(close: nil, inside: "an annotation") else {
                    throw truncated("an annotation")
                }
                skipWhitespace(commas: false)
                if peek() == UInt8(ascii: ",") {
                    throw malformed("a comma cannot separate an annotation from its value")
                }
                annotations.append(annotation)
                hasAtAnnotation = true
                _ = at
                continue
            }
            if b == UInt8(ascii: "#"), let next = peek(at: 1) {
                if next == UInt8(ascii: " ") || next == UInt8(ascii: "\t") {
                    index += 2
                    annotations.append(.string(try readRestOfLine()))
                    continue
                }
                if next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r") {
                    index += 1
                    annotations.append(.string(""))
                    continue
                }
                if next == UInt8(ascii: "!") {
                    index += 2
                    let line = try readRestOfLine()
                    annotations.append(.record(Record(label: .symbol("interpreter"), .string(line))))
                    continue
                }
            }
            if let close, b == close {
                if hasAtAnnotation { throw malformed("an annotation must be followed by a value") }
                return nil
            }
            break
        }
        let start = index
        var value = try readUnannotated()
        if reader.keepAnnotations && !annotations.isEmpty {
            value = value.annotated(with: annotations)
        }
        if reader.recordPositions {
            value = value.positioned(at: position(of: start))
        }
        return value
    }

    /// Reads to the end of the line (not including the line break) as a string.
    mutating func readRestOfLine() throws(TextParseError) -> String {
        let start = index
        while let b = peek(), b != UInt8(ascii: "\n"), b != UInt8(ascii: "\r") { try skipScalar() }
        // Checked above, so decoding repairs nothing.
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
    }

    mutating func readUnannotated() throws(TextParseError) -> Value<Embedded> {
        let start = index
        guard let b = peek() else { throw truncated("a value") }
        switch b {
        case UInt8(ascii: "<"):
            index += 1
            try enter()
            defer { depth -= 1 }
            guard let label = try readValue(close: UInt8(ascii: ">"), inside: "a record") else {
                throw malformed("a record must have a label", at: start)
            }
            var items = [label]
            while let field = try readValue(close: UInt8(ascii: ">"), inside: "a record") { items.append(field) }
            index += 1
            return .record(Record(labelAndFields: items))
        case UInt8(ascii: "["):
            index += 1
            try enter()
            defer { depth -= 1 }
            var items: [Value<Embedded>] = []
            while true {
                skipWhitespace(commas: true)
                guard let item = try readValue(close: UInt8(ascii: "]"), inside: "a sequence") else { break }
                items.append(item)
            }
            index += 1
            return .sequence(items)
        case UInt8(ascii: "{"):
            index += 1
            try enter()
            defer { depth -= 1 }
            return .dictionary(try readDictionaryBody())
        case UInt8(ascii: "\""):
            index += 1
            return .string(try readQuoted(quote: UInt8(ascii: "\""), what: "a string"))
        case UInt8(ascii: "'"):
            index += 1
            return .symbol(Symbol(try readQuoted(quote: UInt8(ascii: "'"), what: "a quoted symbol")))
        case UInt8(ascii: "#"):
            return try readHashSyntax()
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ">"):
            throw malformed("unexpected \"\(Unicode.Scalar(b))\"")
        case UInt8(ascii: ","):
            throw malformed("a comma is not allowed here")
        case UInt8(ascii: ":"):
            throw malformed("a colon is only allowed between a dictionary key and its value")
        case UInt8(ascii: ";"):
            throw malformed("\";\" is reserved syntax")
        default:
            return try readSymbolOrNumber()
        }
    }

    mutating func readDictionaryBody() throws(TextParseError) -> [Value<Embedded>: Value<Embedded>] {
        var entries: [Value<Embedded>: Value<Embedded>] = [:]
        while true {
            skipWhitespace(commas: true)
            let keyStart = index
            guard let key = try readValue(close: UInt8(ascii: "}"), inside: "a dictionary") else { break }
            skipWhitespace(commas: false)
            guard let b = peek() else { throw truncated("a dictionary") }
            guard b == UInt8(ascii: ":") else {
                throw malformed(
                    b == UInt8(ascii: ",")
                        ? "a comma cannot separate a dictionary key from its colon"
                        : "expected \":\" after a dictionary key")
            }
            index += 1
            guard let value = try readValue(close: nil, inside: "a dictionary") else { throw truncated("a dictionary") }
            if entries.updateValue(value, forKey: key) != nil {
                throw malformed("duplicate dictionary key", at: keyStart)
            }
        }
        index += 1
        return entries
    }

    mutating func readHashSyntax() throws(TextParseError) -> Value<Embedded> {
        let start = index
        guard let next = peek(at: 1) else { throw truncated("a \"#\" form") }
        switch next {
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            index += 2
            if try isSymbolByte(at: index) {
                throw malformed("\"#\(Unicode.Scalar(next))\" must be followed by a delimiter", at: start)
            }
            return .boolean(next == UInt8(ascii: "t"))
        case UInt8(ascii: "{"):
            index += 2
            try enter()
            defer { depth -= 1 }
            var items = Set<Value<Embedded>>()
            while true {
                skipWhitespace(commas: true)
                let itemStart = index
                guard let item = try readValue(close: UInt8(ascii: "}"), inside: "a set") else { break }
                if !items.insert(item).inserted { throw malformed("duplicate set element", at: itemStart) }
            }
            index += 1
            return .set(items)
        case UInt8(ascii: "\""):
            index += 2
            return .byteString(try readByteStringBody())
        case UInt8(ascii: "x"):
            if peek(at: 2) == UInt8(ascii: "\"") {
                index += 3
                return .byteString(try readHexBody(what: "a hex byte string"))
            }
            if peek(at: 2) == UInt8(ascii: "d") && peek(at: 3) == UInt8(ascii: "\"") {
                index += 4
                let bytes = try readHexBody(what: "a hex double")
                guard bytes.count == 8 else {
                    throw malformed("a hex double needs exactly 16 hex digits", at: start)
                }
                return .double(Double(bitPattern: bytes.reduce(0) { ($0 << 8) | UInt64($1) }))
            }
            // Only a prefix of `#x"` or `#xd"` can still become valid when more input arrives.
            let rest = Array(buffer[(index + 2)...].prefix(2))
            if rest.isEmpty || rest == [UInt8(ascii: "d")] { throw truncated("a \"#x\" form") }
            throw malformed("expected #x\"…\" or #xd\"…\"", at: start)
        case UInt8(ascii: "["):
            index += 2
            return .byteString(try readBase64Body())
        case UInt8(ascii: ":"):
            index += 2
            try enter()
            defer { depth -= 1 }
            guard let representation = try readValue(close: nil, inside: "an embedded value") else {
                throw truncated("an embedded value")
            }
            do {
                return .embedded(try reader.decodeEmbedded(representation))
            } catch {
                throw malformed("invalid embedded value: \(error)", at: start)
            }
        default:
            throw malformed("invalid syntax after \"#\"", at: start)
        }
    }

    /// Whether the scalar at `i` may continue a bare symbol; false at the end of the buffer.
    func isSymbolByte(at i: Int) throws(TextParseError) -> Bool {
        guard i < buffer.count else { return false }
        let b = buffer[i]
        if b < 0x80 { return TextSyntax.isSymbolASCII(b) }
        return TextSyntax.isSymbolNonASCII(try scalar(at: i).0)
    }

    mutating func readSymbolOrNumber() throws(TextParseError) -> Value<Embedded> {
        let start = index
        while index < buffer.count {
            let b = buffer[index]
            if b < 0x80 {
                guard TextSyntax.isSymbolASCII(b) else { break }
                index += 1
            } else {
                let (s, width) = try scalar(at: index)
                guard TextSyntax.isSymbolNonASCII(s) else { break }
                index += width
            }
        }
        if index == start {
            let (s, _) = try scalar(at: index)
            throw malformed("unexpected character \"\(s.escaped(asASCII: true))\"")
        }
        let token = UnsafeBufferPointer(rebasing: buffer[start..<index])
        let shape = TextSyntax.numberShape(token)
        if shape.matches {
            if shape.isInteger {
                let digits = token.count - (token[0] == UInt8(ascii: "-") || token[0] == UInt8(ascii: "+") ? 1 : 0)
                if digits > reader.limits.maxIntegerDigits {
                    throw error(
                        .limitExceeded,
                        "integer of \(digits) digits exceeds the limit of \(reader.limits.maxIntegerDigits)", at: start)
                }
                if let n = SignedInteger(decimal: String(decoding: token, as: UTF8.self)) { return .integer(n) }
            } else if let d = Double(String(decoding: token, as: UTF8.self)) {
                return .double(d)
            }
            throw malformed("invalid number", at: start)
        }
        return .symbol(Symbol(String(decoding: token, as: UTF8.self)))
    }

    /// Reads a `"…"` string or `'…'` symbol body after its opening quote.
    mutating func readQuoted(quote: UInt8, what: String) throws(TextParseError) -> String {
        // Escapes are rare: collect the bytes of the text only once one is met.
        var bytes: [UInt8] = []
        var escaped = false
        var runStart = index
        while true {
            guard let b = peek() else { throw truncated(what) }
            if b == quote {
                let run = UnsafeBufferPointer(rebasing: buffer[runStart..<index])
                index += 1
                // Every byte was checked as it was read, so decoding repairs nothing.
                if !escaped { return String(decoding: run, as: UTF8.self) }
                bytes.append(contentsOf: run)
                return String(decoding: bytes, as: UTF8.self)
            }
            if b != UInt8(ascii: "\\") {
                if b < 0x80 { index += 1 } else { index += try scalar(at: index).1 }
                continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            escaped = true
            let escapeStart = index
            index += 1
            guard let e = peek() else { throw truncated(what) }
            index += 1
            let unescaped: Unicode.Scalar
            switch e {
            case quote: unescaped = Unicode.Scalar(quote)
            case UInt8(ascii: "\\"): unescaped = "\\"
            case UInt8(ascii: "/"): unescaped = "/"
            case UInt8(ascii: "b"): unescaped = "\u{08}"
            case UInt8(ascii: "f"): unescaped = "\u{0C}"
            case UInt8(ascii: "n"): unescaped = "\n"
            case UInt8(ascii: "r"): unescaped = "\r"
            case UInt8(ascii: "t"): unescaped = "\t"
            case UInt8(ascii: "u"):
                unescaped = try readUnicodeEscape(what: what, escapeStart: escapeStart)
            default:
                throw malformed("invalid escape in \(what)", at: escapeStart)
            }
            UTF8.encode(unescaped) { bytes.append($0) }
            runStart = index
        }
    }

    /// Reads the four hex digits after `\u`, and a second `\uXXXX` when the first is a high
    /// surrogate. Surrogates only make a scalar as a high–low pair; any other use is an error.
    mutating func readUnicodeEscape(what: String, escapeStart: Int) throws(TextParseError) -> Unicode.Scalar {
        let unit = try readHex4(what: what, escapeStart: escapeStart)
        var value = unit
        if (0xD800..<0xDC00).contains(unit) {
            guard peek() == UInt8(ascii: "\\"), peek(at: 1) == UInt8(ascii: "u") else {
                if peek() == nil || (peek() == UInt8(ascii: "\\") && peek(at: 1) == nil) {
                    throw truncated(what)
                }
                throw malformed("unpaired high surrogate", at: escapeStart)
            }
            index += 2
            let low = try readHex4(what: what, escapeStart: escapeStart)
            guard (0xDC00..<0xE000).contains(low) else {
                throw malformed("high surrogate not followed by a low surrogate", at: escapeStart)
            }
            value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(unit) {
            throw malformed("unpaired low surrogate", at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw malformed("\\u escape is not a Unicode scalar", at: escapeStart)
        }
        return scalar
    }

    mutating func readHex4(what: String, escapeStart: Int) throws(TextParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek() else { throw truncated(what) }
            guard let d = hexDigit(b) else { throw malformed("\\u needs four hex digits", at: escapeStart) }
            value = value << 4 | UInt32(d)
            index += 1
        }
        return value
    }

    func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Reads a `#"…"` body: printable ASCII with `\x` escapes.
    mutating func readByteStringBody() throws(TextParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            guard let b = peek() else { throw truncated("a byte string") }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                return bytes
            case UInt8(ascii: "\\"):
                let escapeStart = index - 1
                guard let e = peek() else { throw truncated("a byte string") }
                index += 1
                switch e {
                case UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "\""): bytes.append(e)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "x"):
                    // A missing digit is truncation, but only if the digits so far are hex.
                    guard let h = peek() else { throw truncated("a byte string") }
                    guard let hi = hexDigit(h) else { throw malformed("\\x needs two hex digits", at: escapeStart) }
                    guard let l = peek(at: 1) else { throw truncated("a byte string") }
                    guard let lo = hexDigit(l) else { throw malformed("\\x needs two hex digits", at: escapeStart) }
                    index += 2
                    bytes.append(hi << 4 | lo)
                default:
                    throw malformed("invalid escape in a byte string", at: escapeStart)
                }
            case 0x20...0x7E:
                bytes.append(b)
            default:
                throw malformed("byte strings hold printable ASCII only; use \\x escapes", at: index - 1)
            }
        }
    }

    /// Reads a `#x"…"` body: hex digit pairs, whitespace allowed between pairs.
    mutating func readHexBody(what: String) throws(TextParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            while let b = peek(), TextSyntax.isWhitespace(b) { index += 1 }
            guard let b = peek() else { throw truncated(what) }
            if b == UInt8(ascii: "\"") {
                index += 1
                return bytes
            }
            guard let hi = hexDigit(b) else { throw malformed("invalid character in \(what)") }
            guard let l = peek(at: 1) else { throw truncated(what) }
            guard let lo = hexDigit(l) else { throw malformed("hex digits must come in pairs", at: index + 1) }
            index += 2
            bytes.append(hi << 4 | lo)
        }
    }

    /// Reads a `#[…]` body: base64 (standard or URL-safe), whitespace anywhere, padding optional.
    mutating func readBase64Body() throws(TextParseError) -> [UInt8] {
        let start = index
        var bytes: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        var digits = 0
        var sawPadding = false
        while true {
            guard let b = peek() else { throw truncated("a base64 byte string") }
            index += 1
            if b == UInt8(ascii: "]") { break }
            if TextSyntax.isWhitespace(b) { continue }
            if b == UInt8(ascii: "=") {
                sawPadding = true
                continue
            }
            guard !sawPadding, let d = Base64.digit(b) else {
                throw malformed("invalid character in base64", at: index - 1)
            }
            digits += 1
            accumulator = (accumulator << 6) | d
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        if digits % 4 == 1 { throw malformed("truncated base64 group", at: start) }
        return bytes
    }
}

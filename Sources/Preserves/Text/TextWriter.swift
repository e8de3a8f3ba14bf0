/// Prints values in the Preserves text syntax.
///
/// Sets and dictionaries are printed in the Preserves total order, so output is deterministic.
/// The compact layout puts a value on one line; the indented layout breaks compounds that do
/// not fit in ``TextWriterOptions/width`` columns over several lines.
public struct TextWriter<Embedded: PreservesEmbedded>: Sendable {
    public typealias Options = TextWriterOptions

    public var options: Options
    /// Gives the value to print after `#:` for an embedded value.
    public var encodeEmbedded: @Sendable (Embedded) -> Value<Embedded>

    public init(options: Options = .compact, encodeEmbedded: @escaping @Sendable (Embedded) -> Value<Embedded>) {
        self.options = options
        self.encodeEmbedded = encodeEmbedded
    }

    /// The text of `value`.
    public func write(_ value: Value<Embedded>) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    /// Appends the text of `value` to `out`.
    public func write(_ value: Value<Embedded>, to out: inout String) {
        if let indent = options.indent {
            writeIndented(value, level: 0, step: indent, column: 0, to: &out)
        } else {
            writeCompact(value, to: &out)
        }
    }

    private func writeCompact(_ value: Value<Embedded>, to out: inout String) {
        switch value {
        case .annotated(let a):
            if options.keepAnnotations {
                for annotation in a.annotations {
                    out.append("@")
                    writeCompact(annotation, to: &out)
                    out.append(" ")
                }
            }
            writeCompact(a.value, to: &out)
        case .record(let r):
            out.append("<")
            for (i, item) in r.storage.enumerated() {
                if i > 0 { out.append(" ") }
                writeCompact(item, to: &out)
            }
            out.append(">")
        case .sequence(let items):
            writeCompactItems(items, open: "[", close: "]", to: &out)
        case .set(let items):
            writeCompactItems(items.sorted(), open: "#{", close: "}", to: &out)
        case .dictionary(let entries):
            out.append("{")
            for (i, entry) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(" ") }
                writeCompact(entry.key, to: &out)
                out.append(": ")
                writeCompact(entry.value, to: &out)
            }
            out.append("}")
        case .embedded(let e):
            out.append("#:")
            writeCompact(encodeEmbedded(e), to: &out)
        default:
            Self.writeAtom(value, to: &out)
        }
    }

    private func writeCompactItems(_ items: [Value<Embedded>], open: String, close: String, to out: inout String) {
        out.append(open)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(" ") }
            writeCompact(item, to: &out)
        }
        out.append(close)
    }

    /// Prints `value` starting at `column`; compounds that do not fit in the width are broken
    /// with one child per line at `level + 1`.
    private func writeIndented(_ value: Value<Embedded>, level: Int, step: Int, column: Int, to out: inout String) {
        var flat = ""
        writeCompact(value, to: &flat)
        if column + flat.unicodeScalars.count <= options.width || value.unannotated.isAtom {
            out.append(flat)
            return
        }
        var column = column
        if case .annotated(let a) = value {
            if options.keepAnnotations {
                for annotation in a.annotations {
                    var text = "@"
                    writeCompact(annotation, to: &text)
                    out.append(text)
                    out.append(" ")
                    column += text.unicodeScalars.count + 1
                }
            }
            writeIndented(a.value, level: level, step: step, column: column, to: &out)
            return
        }
        let inner = String(repeating: " ", count: (level + 1) * step)
        let outer = String(repeating: " ", count: level * step)
        func children(_ items: some Sequence<Value<Embedded>>, to out: inout String) {
            for item in items {
                out.append("\n")
                out.append(inner)
                writeIndented(item, level: level + 1, step: step, column: (level + 1) * step, to: &out)
            }
        }
        switch value {
        case .record(let r):
            out.append("<")
            var label = ""
            writeCompact(r.label, to: &label)
            out.append(label)
            children(r.fields, to: &out)
            out.append("\n" + outer + ">")
        case .sequence(let items):
            out.append("[")
            children(items, to: &out)
            out.append("\n" + outer + "]")
        case .set(let items):
            out.append("#{")
            children(items.sorted(), to: &out)
            out.append("\n" + outer + "}")
        case .dictionary(let entries):
            out.append("{")
            for entry in entries.sorted(by: { $0.key < $1.key }) {
                out.append("\n")
                out.append(inner)
                var key = ""
                writeCompact(entry.key, to: &key)
                out.append(key)
                out.append(": ")
                writeIndented(
                    entry.value, level: level + 1, step: step,
                    column: (level + 1) * step + key.unicodeScalars.count + 2, to: &out)
            }
            out.append("\n" + outer + "}")
        case .embedded(let e):
            out.append("#:")
            writeIndented(encodeEmbedded(e), level: level, step: step, column: column + 2, to: &out)
        default:
            Self.writeAtom(value, to: &out)
        }
    }

    // MARK: - Atoms

    static func writeAtom(_ value: Value<Embedded>, to out: inout String) {
        switch value {
        case .boolean(let b): out.append(b ? "#t" : "#f")
        case .double(let d): writeDouble(d, to: &out)
        case .integer(let i): out.append(i.description)
        case .string(let s): writeQuoted(s, quote: "\"", to: &out)
        case .byteString(let b): writeByteString(b, to: &out)
        case .symbol(let s): writeSymbol(s.name, to: &out)
        default: preconditionFailure("not an atom")
        }
    }

    static func writeDouble(_ d: Double, to out: inout String) {
        if d.isFinite {
            // Swift prints the shortest text that reads back as the same bits, and always
            // includes "." or "e", so the text never reads back as an integer.
            out.append(d.description)
        } else {
            out.append("#xd\"")
            out.append(hex(bigEndianBytes(d.bitPattern)))
            out.append("\"")
        }
    }

    static func writeByteString(_ bytes: [UInt8], to out: inout String) {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            out.append("#\"")
            for b in bytes {
                switch b {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                default: out.unicodeScalars.append(Unicode.Scalar(b))
                }
            }
            out.append("\"")
        } else if bytes.count <= 64 {
            out.append("#x\"")
            out.append(hex(bytes))
            out.append("\"")
        } else {
            out.append("#[")
            out.append(Base64.encode(bytes))
            out.append("]")
        }
    }
}

extension TextWriter where Embedded: PreservesEmbeddedCodable {
    public init(options: Options = .compact) {
        self.init(options: options) { $0.preservesRepresentation }
    }
}

extension TextWriter {
    /// Writes `text` as a bare symbol if it reads back as the same symbol, else quoted with `'`.
    static func writeSymbol(_ text: String, to out: inout String) {
        if TextSyntax.isBareSymbol(text) {
            out.append(text)
        } else {
            writeQuoted(text, quote: "'", to: &out)
        }
    }

    static func writeQuoted(_ text: String, quote: Unicode.Scalar, to out: inout String) {
        out.unicodeScalars.append(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote: out.append("\\"); out.unicodeScalars.append(quote)
            case "\\": out.append("\\\\")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out.append("\\u")
                    let digits = String(scalar.value, radix: 16)
                    out.append(String(repeating: "0", count: 4 - digits.count) + digits)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.unicodeScalars.append(quote)
    }
}

extension Value: CustomStringConvertible {
    /// The value in compact text syntax, with annotations.
    public var description: String {
        TextWriter<Embedded>(options: .compact) { .embedded($0) }.writeForDescription(self)
    }
}

extension TextWriter {
    /// Like ``write(_:)``, but prints an embedded value with no Preserves representation as
    /// `#:` followed by its Swift description (as a string).
    func writeForDescription(_ value: Value<Embedded>) -> String {
        var printer = self
        printer.encodeEmbedded = { e in
            if let codable = e as? any PreservesEmbeddedCodable {
                return Self.representation(of: codable) ?? .string(String(describing: e))
            }
            return .string(String(describing: e))
        }
        return printer.write(value)
    }

    private static func representation(of e: some PreservesEmbeddedCodable) -> Value<Embedded>? {
        e.preservesRepresentation as? Value<Embedded>
    }
}

func bigEndianBytes(_ bits: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: bits >> UInt64(56 - 8 * $0)) }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".unicodeScalars)
    var s = String.UnicodeScalarView()
    for b in bytes {
        s.append(digits[Int(b >> 4)])
        s.append(digits[Int(b & 0xF)])
    }
    return String(s)
}

/// Options for `TextWriter`.
public struct TextWriterOptions: Sendable, Hashable {
    /// Spaces per nesting level; `nil` prints everything on one line.
    public var indent: Int?
    /// Target line width for the indented layout.
    public var width: Int
    /// Print annotations (`@a value`) instead of dropping them.
    public var keepAnnotations: Bool

    public init(indent: Int? = nil, width: Int = 80, keepAnnotations: Bool = true) {
        self.indent = indent
        self.width = width
        self.keepAnnotations = keepAnnotations
    }

    /// One line, annotations kept.
    public static let compact = TextWriterOptions()
    /// Two-space indentation, annotations kept.
    public static let indented = TextWriterOptions(indent: 2)
}

import Preserves

/// Spells Preserves values and text as Swift source.
enum LiteralCode {
    /// A Swift string literal for `text`.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.generalCategory == .unassigned {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A Swift expression of type `Preserves.Value<embedded>` equal to `value`.
    static func value(_ value: Value<Never>, embedded: String) -> String {
        let v = "Preserves.Value<\(embedded)>"
        switch value {
        case .boolean(let b): return "\(v).boolean(\(b))"
        case .double(let d): return "\(v).double(Swift.Double(bitPattern: 0x\(String(d.bitPattern, radix: 16))))"
        case .integer(let i):
            if let n = i.int { return "\(v).integer(Preserves.SignedInteger(\(n)))" }
            return "\(v).integer(Preserves.SignedInteger(decimal: \(string(i.description)))!)"
        case .string(let s): return "\(v).string(\(string(s)))"
        case .byteString(let b): return "\(v).byteString([\(b.map { "0x" + String($0, radix: 16) }.joined(separator: ", "))])"
        case .symbol(let s): return "\(v).symbol(Preserves.Symbol(\(string(s.name))))"
        case .record(let r):
            let fields = r.fields.map { Self.value($0, embedded: embedded) }.joined(separator: ", ")
            return "\(v).record(Preserves.Record(label: \(Self.value(r.label, embedded: embedded)), fields: [\(fields)]))"
        case .sequence(let items):
            return "\(v).sequence([\(items.map { Self.value($0, embedded: embedded) }.joined(separator: ", "))])"
        case .set(let items):
            return "\(v).set([\(items.sorted().map { Self.value($0, embedded: embedded) }.joined(separator: ", "))])"
        case .dictionary(let entries):
            if entries.isEmpty { return "\(v).dictionary([:])" }
            let body = entries.sorted { $0.key < $1.key }
                .map { "\(Self.value($0.key, embedded: embedded)): \(Self.value($0.value, embedded: embedded))" }
            return "\(v).dictionary([\(body.joined(separator: ", "))])"
        case .annotated(let a):
            return Self.value(a.value, embedded: embedded)
        }
    }
}

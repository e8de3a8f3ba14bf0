import Preserves

/// Preserves values and text as Swift expressions.
enum LiteralCode {
    /// A Swift string literal's source for `text`.
    static func quoted(_ text: String) -> String {
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

    /// `Preserves.Value<embedded>`.
    static func valueType(_ embedded: TypeUsage) -> TypeUsage { .named("Preserves.Value", [embedded]) }

    /// An expression of type `Preserves.Value<embedded>` equal to `value`.
    static func value(_ value: Value<Never>, embedded: TypeUsage) -> Expression {
        let v = Expression.type(valueType(embedded))
        switch value {
        case .boolean(let b):
            return v.dot("boolean").call(.unlabeled(.literal(.bool(b))))
        case .double(let d):
            let bits = Expression.type(.named("Swift.Double")).call(.labeled("bitPattern", .literal(.number("0x" + String(d.bitPattern, radix: 16)))))
            return v.dot("double").call(.unlabeled(bits))
        case .integer(let i):
            let integer = Expression.type(.named("Preserves.SignedInteger"))
            if let n = i.int { return v.dot("integer").call(.unlabeled(integer.call(.unlabeled(.int(n))))) }
            return v.dot("integer").call(.unlabeled(.forceUnwrap(integer.call(.labeled("decimal", .string(i.description))))))
        case .string(let s):
            return v.dot("string").call(.unlabeled(.string(s)))
        case .byteString(let b):
            return v.dot("byteString").call(.unlabeled(.array(b.map { .literal(.number("0x" + String($0, radix: 16))) })))
        case .symbol(let s):
            return v.dot("symbol").call(.unlabeled(.type(.named("Preserves.Symbol")).call(.unlabeled(.string(s.name)))))
        case .record(let r):
            let record = Expression.type(.named("Preserves.Record")).call(
                .labeled("label", Self.value(r.label, embedded: embedded)),
                .labeled("fields", .array(r.fields.map { Self.value($0, embedded: embedded) })))
            return v.dot("record").call(.unlabeled(record))
        case .sequence(let items):
            return v.dot("sequence").call(.unlabeled(.array(items.map { Self.value($0, embedded: embedded) })))
        case .set(let items):
            return v.dot("set").call(.unlabeled(.array(items.sorted().map { Self.value($0, embedded: embedded) })))
        case .dictionary(let entries):
            let body = entries.sorted { $0.key < $1.key }.map {
                DictionaryEntry(key: Self.value($0.key, embedded: embedded), value: Self.value($0.value, embedded: embedded))
            }
            return v.dot("dictionary").call(.unlabeled(.dictionary(body)))
        case .annotated(let a):
            return Self.value(a.value, embedded: embedded)
        }
    }
}

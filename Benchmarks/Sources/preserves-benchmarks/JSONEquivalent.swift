import Foundation
import Preserves

/// Converts Preserves values to the Foundation objects `JSONSerialization` reads and writes,
/// following the usual JSON conventions for Preserves data:
///
/// - strings, integers (that fit an `Int`), doubles and booleans map directly;
/// - the symbols `true`, `false` and `null` become JSON `true`, `false` and `null` (the RFC 8259
///   samples write `false` as a symbol), other symbols become strings;
/// - byte strings become base64 strings;
/// - a record `<label f1 f2 …>` with a symbol label becomes `{"label": [f1, f2, …]}`;
/// - sequences and sets become arrays; dictionaries keyed by strings or symbols become objects.
enum JSONEquivalent {
    struct Unrepresentable: Error, CustomStringConvertible {
        var value: String
        var description: String { "no JSON equivalent for \(value)" }
    }

    static func object(for value: IOValue) throws -> Any {
        switch value {
        case .boolean(let b): return b
        case .double(let d): return d
        case .integer(let i):
            guard let n = i.int else { throw Unrepresentable(value: value.description) }
            return n
        case .string(let s): return s
        case .byteString(let bytes): return Data(bytes).base64EncodedString()
        case .symbol(let s):
            switch s.name {
            case "true": return true
            case "false": return false
            case "null": return NSNull()
            default: return s.name
            }
        case .record(let r):
            guard let label = r.label.symbol else { throw Unrepresentable(value: value.description) }
            return [label.name: try r.fields.map(object(for:))] as [String: Any]
        case .sequence(let items):
            return try items.map(object(for:))
        case .set(let items):
            return try items.sorted().map(object(for:))
        case .dictionary(let entries):
            var out: [String: Any] = [:]
            for (key, item) in entries {
                guard let name = key.string ?? key.symbol?.name else { throw Unrepresentable(value: key.description) }
                out[name] = try object(for: item)
            }
            return out
        case .embedded, .annotated:
            throw Unrepresentable(value: value.description)
        }
    }
}

import Preserves
import SyndicateProtocols

/// A dataspace pattern (the generated `dataspacePatterns.Pattern` type).
public typealias Pattern = DataspacePatterns.Pattern<Ref>

/// Building dataspace patterns by hand, as static members of ``Pattern``:
///
/// ```swift
/// Pattern.rec("Present", .bind())                // <Present $>
/// Pattern.rec("Says", .lit("alice"), .bind())    // <Says "alice" $>
/// Pattern.arr(.bind(), .discard)                 // [$ _ ...] (extensible: more items allowed)
/// Pattern.dict(["name": .bind()])                // {name: $ ...}
/// ```
///
/// Group patterns only constrain the positions they mention: a record pattern with two fields
/// matches records with two or more. An observer receives the sequence of its captures, in
/// order (an outer `bind` before binds inside it, group entries in key order).
///
/// Patterns for schema-defined records are generated with their types; build patterns by hand
/// only for values no schema describes.
extension DataspacePatterns.Pattern where Embedded == Ref {
    /// Captures the value at this position, if it matches `pattern`.
    public static func bind(_ pattern: Pattern = .discard) -> Pattern { .bind(pattern: pattern) }

    /// Matches exactly `value`; compound literals become groups of literals.
    public static func lit(_ value: AnyValue) -> Pattern {
        switch value.unannotated {
        case .boolean(let b): return .lit(value: .bool(b))
        case .double(let d): return .lit(value: .double(d))
        case .integer(let i): return .lit(value: .int(i))
        case .string(let s): return .lit(value: .string(s))
        case .byteString(let b): return .lit(value: .bytes(b))
        case .symbol(let s): return .lit(value: .symbol(s))
        case .embedded(let r): return .lit(value: .embedded(r))
        case .record(let r):
            return .group(type: .rec(label: r.label), entries: indexed(r.fields.map(lit)))
        case .sequence(let items):
            return .group(type: .arr, entries: indexed(items.map(lit)))
        case .dictionary(let d):
            return .group(type: .dict, entries: Dictionary(uniqueKeysWithValues: d.map { ($0.key, lit($0.value)) }))
        case .set, .annotated:
            // Sets cannot be matched structurally; match them as "present" only.
            return .discard
        }
    }

    /// A record labelled `label` whose first fields match `fields`.
    public static func rec(_ label: Symbol, _ fields: Pattern...) -> Pattern {
        rec(label, fields)
    }

    /// A record labelled `label` whose first fields match `fields`.
    public static func rec(_ label: Symbol, _ fields: [Pattern]) -> Pattern {
        .group(type: .rec(label: .symbol(label)), entries: indexed(fields))
    }

    /// A record with any label value whose first fields match `fields`.
    public static func rec(label: AnyValue, _ fields: [Pattern]) -> Pattern {
        .group(type: .rec(label: label), entries: indexed(fields))
    }

    /// A sequence whose first items match `items`.
    public static func arr(_ items: Pattern...) -> Pattern {
        arr(items)
    }

    /// A sequence whose first items match `items`.
    public static func arr(_ items: [Pattern]) -> Pattern {
        .group(type: .arr, entries: indexed(items))
    }

    /// A dictionary with (at least) these keys, whose values match.
    public static func dict(_ entries: [AnyValue: Pattern]) -> Pattern {
        .group(type: .dict, entries: entries)
    }

    /// Group entries keyed by position. Discards are kept: they require the position to exist.
    static func indexed(_ items: [Pattern]) -> [AnyValue: Pattern] {
        Dictionary(uniqueKeysWithValues: items.enumerated().map { (.integer($0.offset), $0.element) })
    }
}

/// The pattern builders' former namespace.
@available(*, deprecated, renamed: "Pattern")
public typealias P = Pattern

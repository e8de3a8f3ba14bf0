/// Building blocks of the parsers that `preserves-schemac` generates. Each takes the name of
/// the definition being parsed, for error messages, and looks through annotations.
///
/// These are public so generated code in other modules can call them; they are not meant to be
/// called directly.
public enum SchemaParsing {
    @inlinable
    public static func bool<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> Bool {
        if case .boolean(let b) = v.unannotated { return b }
        throw SchemaParseError(definition: definition, expected: "a Boolean")
    }

    @inlinable
    public static func double<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> Double {
        if case .double(let d) = v.unannotated { return d }
        throw SchemaParseError(definition: definition, expected: "a Double")
    }

    @inlinable
    public static func integer<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> SignedInteger {
        if case .integer(let i) = v.unannotated { return i }
        throw SchemaParseError(definition: definition, expected: "a SignedInteger")
    }

    @inlinable
    public static func string<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> String {
        if case .string(let s) = v.unannotated { return s }
        throw SchemaParseError(definition: definition, expected: "a String")
    }

    @inlinable
    public static func byteString<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> [UInt8] {
        if case .byteString(let b) = v.unannotated { return b }
        throw SchemaParseError(definition: definition, expected: "a ByteString")
    }

    @inlinable
    public static func symbol<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> Symbol {
        if case .symbol(let s) = v.unannotated { return s }
        throw SchemaParseError(definition: definition, expected: "a Symbol")
    }

    @inlinable
    public static func embedded<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> E {
        if case .embedded(let e) = v.unannotated { return e }
        throw SchemaParseError(definition: definition, expected: "an embedded value")
    }

    @inlinable
    public static func record<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> Record<E> {
        if case .record(let r) = v.unannotated { return r }
        throw SchemaParseError(definition: definition, expected: "a Record")
    }

    /// The record, if `v` is a record whose label is the symbol `label` with at least
    /// `minimumFieldCount` fields.
    @inlinable
    public static func record<E>(
        _ v: Value<E>, label: StaticString, minimumFieldCount: Int, _ definition: StaticString, expected: StaticString
    ) throws(SchemaParseError) -> Record<E> {
        if case .record(let r) = v.unannotated, r.storage.count > minimumFieldCount,
            case .symbol(let s) = r.label.unannotated, label.withUTF8Buffer({ s.name.utf8.elementsEqual($0) })
        {
            return r
        }
        throw SchemaParseError(definition: definition, expected: expected)
    }

    @inlinable
    public static func sequence<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> [Value<E>] {
        if case .sequence(let items) = v.unannotated { return items }
        throw SchemaParseError(definition: definition, expected: "a Sequence")
    }

    @inlinable
    public static func dictionary<E>(_ v: Value<E>, _ definition: StaticString) throws(SchemaParseError) -> [Value<E>: Value<E>] {
        if case .dictionary(let d) = v.unannotated { return d }
        throw SchemaParseError(definition: definition, expected: "a Dictionary")
    }

    /// Checks that `items` has at least `count` elements.
    @inlinable
    public static func requireCount(
        _ actual: Int, atLeast count: Int, _ definition: StaticString, expected: StaticString
    ) throws(SchemaParseError) {
        if actual < count { throw SchemaParseError(definition: definition, expected: expected) }
    }

    /// The value under `key`, which must be present.
    @inlinable
    public static func entry<E>(
        _ d: [Value<E>: Value<E>], _ key: Value<E>, _ definition: StaticString, expected: StaticString
    ) throws(SchemaParseError) -> Value<E> {
        if let v = d[key] { return v }
        throw SchemaParseError(definition: definition, expected: expected)
    }

    /// Checks that `v` equals the literal `expected`.
    @inlinable
    public static func literal<E>(
        _ v: Value<E>, _ literal: Value<E>, _ definition: StaticString, expected: StaticString
    ) throws(SchemaParseError) {
        if v != literal { throw SchemaParseError(definition: definition, expected: expected) }
    }

    /// Checks that `v` is the symbol `name`, without building a value to compare with.
    @inlinable
    public static func literalSymbol<E>(
        _ v: Value<E>, _ name: StaticString, _ definition: StaticString, expected: StaticString
    ) throws(SchemaParseError) {
        if case .symbol(let s) = v.unannotated, name.withUTF8Buffer({ s.name.utf8.elementsEqual($0) }) { return }
        throw SchemaParseError(definition: definition, expected: expected)
    }

    /// Parses every element of a sequence (or of a record's fields from `offset` on), adding
    /// the element's index to the path of any error.
    @inlinable
    public static func elements<E, C: Collection<Value<E>>, T>(
        _ items: C, offset: Int = 0, _ element: (Value<E>) throws(SchemaParseError) -> T
    ) throws(SchemaParseError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(items.count)
        var i = offset
        for item in items {
            do {
                out.append(try element(item))
            } catch {
                throw error.under(.index(i))
            }
            i += 1
        }
        return out
    }

    @inlinable
    public static func sequenceOf<E, T>(
        _ v: Value<E>, _ definition: StaticString, _ element: (Value<E>) throws(SchemaParseError) -> T
    ) throws(SchemaParseError) -> [T] {
        try elements(try sequence(v, definition), element)
    }

    @inlinable
    public static func setOf<E, T: Hashable>(
        _ v: Value<E>, _ definition: StaticString, _ element: (Value<E>) throws(SchemaParseError) -> T
    ) throws(SchemaParseError) -> Set<T> {
        guard case .set(let items) = v.unannotated else {
            throw SchemaParseError(definition: definition, expected: "a Set")
        }
        var out = Set<T>(minimumCapacity: items.count)
        for item in items {
            do {
                out.insert(try element(item))
            } catch {
                throw error.under(.element(item.description))
            }
        }
        return out
    }

    @inlinable
    public static func dictionaryOf<E, K: Hashable, V>(
        _ v: Value<E>, _ definition: StaticString,
        key: (Value<E>) throws(SchemaParseError) -> K, value: (Value<E>) throws(SchemaParseError) -> V
    ) throws(SchemaParseError) -> [K: V] {
        let d = try dictionary(v, definition)
        var out = [K: V](minimumCapacity: d.count)
        for (k, item) in d {
            do {
                out[try key(k)] = try value(item)
            } catch {
                throw error.under(.key(k.description))
            }
        }
        return out
    }

    /// Combines the values of the parts of an `and` definition: dictionaries are united,
    /// records and sequences merged element by element. Where parts disagree, the first wins
    /// (parsing the result then fails, as it should).
    public static func merge<E>(_ values: [Value<E>]) -> Value<E> {
        values.dropFirst().reduce(values.first ?? .sequence([])) { merge($0, $1) }
    }

    static func merge<E>(_ a: Value<E>, _ b: Value<E>) -> Value<E> {
        switch (a.unannotated, b.unannotated) {
        case (.dictionary(var x), .dictionary(let y)):
            for (k, v) in y { x[k] = x[k].map { merge($0, v) } ?? v }
            return .dictionary(x)
        case (.sequence(let x), .sequence(let y)):
            return .sequence(mergeElements(x, y))
        case (.record(let x), .record(let y)):
            let merged = mergeElements(x.labelAndFields, y.labelAndFields)
            return .record(Record(label: merged[0], fields: merged.dropFirst()))
        default:
            return a
        }
    }

    static func mergeElements<E>(_ x: [Value<E>], _ y: [Value<E>]) -> [Value<E>] {
        var out = x
        for (i, v) in y.enumerated() {
            if i < out.count { out[i] = merge(out[i], v) } else { out.append(v) }
        }
        return out
    }
}

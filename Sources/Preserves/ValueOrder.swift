/// The Preserves total order, shared by `Value`'s `Comparable`, `Equatable` and the set and
/// dictionary comparisons.
@usableFromInline
enum ValueOrder {
    /// Three-way comparison: negative, zero or positive.
    @inlinable
    static func compare<E>(_ a: Value<E>, _ b: Value<E>) -> Int {
        switch (a, b) {
        case (.annotated(let x), _): return compare(x.value, b)
        case (_, .annotated(let y)): return compare(a, y.value)
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.double(let x), .double(let y)): return compareDoubles(x, y)
        case (.integer(let x), .integer(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.string(let x), .string(let y)): return ScalarText.compare(x, y)
        case (.byteString(let x), .byteString(let y)): return compareBytes(x, y)
        case (.symbol(let x), .symbol(let y)): return ScalarText.compare(x.name, y.name)
        case (.record(let x), .record(let y)): return compareSequences(x.storage, y.storage)
        case (.sequence(let x), .sequence(let y)): return compareSequences(x, y)
        case (.set(let x), .set(let y)): return compareSequences(x.sorted(), y.sorted())
        case (.dictionary(let x), .dictionary(let y)):
            let xs = x.sorted { compare($0.key, $1.key) < 0 }
            let ys = y.sorted { compare($0.key, $1.key) < 0 }
            for (p, q) in zip(xs, ys) {
                let k = compare(p.key, q.key)
                if k != 0 { return k }
                let v = compare(p.value, q.value)
                if v != 0 { return v }
            }
            return xs.count == ys.count ? 0 : (xs.count < ys.count ? -1 : 1)
        case (.embedded(let x), .embedded(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        default:
            return a.kind < b.kind ? -1 : 1
        }
    }

    /// The IEEE 754 totalOrder on bit patterns: -NaN < -inf < … < -0 < +0 < … < +inf < +NaN.
    @inlinable
    static func compareDoubles(_ a: Double, _ b: Double) -> Int {
        let x = orderKey(a)
        let y = orderKey(b)
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    @inlinable
    static func orderKey(_ d: Double) -> Int64 {
        let bits = Int64(bitPattern: d.bitPattern)
        return bits < 0 ? bits ^ Int64.max : bits
    }

    @inlinable
    static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    @inlinable
    static func compareSequences<E>(_ a: [Value<E>], _ b: [Value<E>]) -> Int {
        for (x, y) in zip(a, b) {
            let c = compare(x, y)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Structural equality; cheaper than `compare(a, b) == 0` for sets and dictionaries.
    @inlinable
    static func equal<E>(_ a: Value<E>, _ b: Value<E>) -> Bool {
        // One switch over `a` and a pattern match on `b`, rather than a switch over the pair,
        // which would copy (retain and release) both values on every comparison.
        if case .annotated(let y) = b { return equal(a, y.value) }
        switch a {
        case .annotated(let x): return equal(x.value, b)
        case .boolean(let x):
            if case .boolean(let y) = b { return x == y }
        case .double(let x):
            if case .double(let y) = b { return x.bitPattern == y.bitPattern }
        case .integer(let x):
            if case .integer(let y) = b { return x == y }
        case .string(let x):
            if case .string(let y) = b { return ScalarText.equal(x, y) }
        case .byteString(let x):
            if case .byteString(let y) = b { return x == y }
        case .symbol(let x):
            if case .symbol(let y) = b { return x == y }
        case .record(let x):
            if case .record(let y) = b { return x.storage == y.storage }
        case .sequence(let x):
            if case .sequence(let y) = b { return x == y }
        case .set(let x):
            if case .set(let y) = b { return x == y }
        case .dictionary(let x):
            if case .dictionary(let y) = b { return x == y }
        case .embedded(let x):
            if case .embedded(let y) = b { return x == y }
        }
        return false
    }
}

extension Value: Equatable {
    @inlinable
    public static func == (lhs: Value, rhs: Value) -> Bool { ValueOrder.equal(lhs, rhs) }
}

extension Value: Hashable {
    @inlinable
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .annotated(let a):
            a.value.hash(into: &hasher)
        case .boolean(let b):
            hasher.combine(0 as UInt8)
            hasher.combine(b)
        case .double(let d):
            hasher.combine(1 as UInt8)
            hasher.combine(d.bitPattern)
        case .integer(let i):
            hasher.combine(2 as UInt8)
            hasher.combine(i)
        case .string(let s):
            ScalarText.hash(s, kind: 3, into: &hasher)
        case .byteString(let b):
            hasher.combine(4 as UInt8)
            hasher.combine(b)
        case .symbol(let s):
            ScalarText.hash(s.name, kind: 5, into: &hasher)
        case .record(let r):
            hasher.combine(6 as UInt8)
            hasher.combine(r.storage)
        case .sequence(let items):
            hasher.combine(7 as UInt8)
            hasher.combine(items)
        case .set(let items):
            hasher.combine(8 as UInt8)
            hasher.combine(items)
        case .dictionary(let entries):
            hasher.combine(9 as UInt8)
            hasher.combine(entries)
        case .embedded(let e):
            hasher.combine(10 as UInt8)
            hasher.combine(e)
        }
    }
}

extension Value: Comparable {
    /// The Preserves total order.
    @inlinable
    public static func < (lhs: Value, rhs: Value) -> Bool { ValueOrder.compare(lhs, rhs) < 0 }

    /// Three-way comparison in the Preserves total order: negative, zero or positive.
    @inlinable
    public func compare(to other: Value) -> Int { ValueOrder.compare(self, other) }
}

/// A Preserves Symbol: a sequence of Unicode scalar values, distinct from a String.
///
/// Equality and order are by Unicode scalar values (equivalently, by UTF-8 bytes), not by
/// Swift's canonical equivalence: `Symbol("\u{E9}")` and `Symbol("e\u{301}")` are different.
public struct Symbol: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The symbol's text.
    public var name: String

    @inlinable
    public init(_ name: String) { self.name = name }

    public init(stringLiteral value: String) { self.name = value }

    @inlinable
    public static func == (lhs: Symbol, rhs: Symbol) -> Bool { ScalarText.equal(lhs.name, rhs.name) }

    @inlinable
    public func hash(into hasher: inout Hasher) { ScalarText.hash(name, into: &hasher) }

    @inlinable
    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { ScalarText.compare(lhs.name, rhs.name) < 0 }

    /// The symbol in text syntax, quoted with `'…'` when it could not be read back bare.
    public var description: String {
        var out = ""
        TextWriter<Never>.writeSymbol(name, to: &out)
        return out
    }
}

/// Equality, hashing and order of text by Unicode scalar values, which is the order of UTF-8
/// bytes. Swift's `String ==` uses canonical equivalence, which Preserves does not.
@usableFromInline
enum ScalarText {
    @inlinable
    static func equal(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in bytesEqual(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    /// Whether two byte buffers hold the same bytes, compared a word at a time.
    @inlinable
    static func bytesEqual(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        guard x.count == y.count else { return false }
        var i = 0
        while i + 8 <= x.count {
            if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < x.count {
            if x[i] != y[i] { return false }
            i += 1
        }
        return true
    }

    @inlinable
    static func hash(_ s: String, into hasher: inout Hasher) {
        hash(s, kind: 0, into: &hasher)
    }

    /// Hashes `kind` (a byte telling strings from symbols), the length and the UTF-8 bytes of
    /// `s`, with as few calls into the hasher as possible.
    @inlinable
    static func hash(_ s: String, kind: UInt8, into hasher: inout Hasher) {
        let utf8 = s.utf8
        hasher.combine(UInt64(kind) | UInt64(truncatingIfNeeded: utf8.count) << 8)
        let hashed: Void? = utf8.withContiguousStorageIfAvailable { hashBytes(UnsafeRawBufferPointer($0), into: &hasher) }
        if hashed == nil {
            var copy = s
            copy.withUTF8 { hashBytes(UnsafeRawBufferPointer($0), into: &hasher) }
        }
    }

    /// Feeds `bytes` to `hasher`; up to 8 bytes (most keys) go in as one word, which is cheaper.
    /// (The length is hashed separately, so the padding of a short word is unambiguous.)
    @inlinable @inline(__always)
    static func hashBytes(_ bytes: UnsafeRawBufferPointer, into hasher: inout Hasher) {
        let count = bytes.count
        if count > 8 {
            hasher.combine(bytes: bytes)
        } else if count >= 4 {
            let low = UInt64(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let high = UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            hasher.combine(low | high << 32)
        } else {
            var word: UInt64 = 0
            for byte in bytes { word = word << 8 | UInt64(byte) }
            hasher.combine(word)
        }
    }

    @inlinable
    static func compare(_ a: String, _ b: String) -> Int {
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?):
                if x != y { return x < y ? -1 : 1 }
            }
        }
    }
}

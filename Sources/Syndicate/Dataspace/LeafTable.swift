import Preserves

/// A hash table from constant keys to values, for the leaf lookup every message makes in a
/// group of many observers (10,000 `<Says "nobody-i" _>` patterns, say).
///
/// `Dictionary` hashes a key with `Hasher` (SipHash-1-3) on every lookup; this table hashes
/// the scalars constants usually are (strings, symbols, byte strings, small integers) with a
/// folded multiply over their bytes, a few instructions per eight bytes, and falls back to
/// `Hasher` for other kinds. The hash is seeded per table from the system's random source, so
/// keys chosen to collide cannot be prepared in advance. Open addressing with linear probing;
/// removal shifts entries back, so there are no tombstones, and the table shrinks when sparse.
struct LeafTable<Element> {
    private struct Slot {
        var hash: UInt64
        var key: AnyValue
        var element: Element
    }

    private var slots: [Slot?] = []
    private(set) var count = 0
    private let seed: UInt64

    init() { seed = UInt64.random(in: .min ... .max) | 1 }

    var isEmpty: Bool { count == 0 }

    /// Every entry, in no particular order.
    var entries: [(key: AnyValue, element: Element)] {
        slots.compactMap { $0.map { ($0.key, $0.element) } }
    }

    subscript(key: AnyValue) -> Element? {
        get {
            guard !slots.isEmpty else { return nil }
            let hash = KeyHash.hash(key, seed: seed)
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: hash) & mask
            while let slot = slots[i] {
                if slot.hash == hash && KeyHash.same(slot.key, key) { return slot.element }
                i = (i + 1) & mask
            }
            return nil
        }
        set {
            let hash = KeyHash.hash(key, seed: seed)
            if let newValue {
                insert(hash, key, newValue)
            } else {
                remove(hash, key)
            }
        }
    }

    private mutating func insert(_ hash: UInt64, _ key: AnyValue, _ element: Element) {
        if (count + 1) * 2 > slots.count { resize(to: max(8, slots.count * 2)) }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[i] {
            if slot.hash == hash && KeyHash.same(slot.key, key) {
                slots[i]!.element = element
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(hash: hash, key: key, element: element)
        count += 1
    }

    private mutating func remove(_ hash: UInt64, _ key: AnyValue) {
        guard !slots.isEmpty else { return }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            guard let slot = slots[i] else { return }
            if slot.hash == hash && KeyHash.same(slot.key, key) { break }
            i = (i + 1) & mask
        }
        // Backward-shift deletion: later entries of the same run move into the gap when their
        // home slot is at or before it.
        var gap = i
        var j = (i + 1) & mask
        while let slot = slots[j] {
            let home = Int(truncatingIfNeeded: slot.hash) & mask
            if (j - home) & mask >= (j - gap) & mask {
                slots[gap] = slot
                gap = j
            }
            j = (j + 1) & mask
        }
        slots[gap] = nil
        count -= 1
        if count == 0 {
            slots = []
        } else if slots.count > 8 && count * 8 < slots.count {
            resize(to: slots.count / 2)
        }
    }

    private mutating func resize(to capacity: Int) {
        let old = slots
        slots = Array(repeating: nil, count: capacity)
        let mask = capacity - 1
        for case let slot? in old {
            var i = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[i] != nil { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}

/// The seeded hash and the equality ``LeafTable`` uses; equal values (Preserves equality,
/// annotations ignored) hash alike.
enum KeyHash {
    static func hash(_ value: AnyValue, seed: UInt64) -> UInt64 {
        switch value {
        case .string(let s): return text(s, kind: 3, seed: seed)
        case .symbol(let s): return text(s.name, kind: 5, seed: seed)
        case .byteString(let b): return b.withUnsafeBytes { bytes($0, kind: 4, seed: seed) }
        case .integer(let i):
            if let n = i.int { return mix(UInt64(bitPattern: Int64(n)) ^ seed, 0x9E37_79B9_7F4A_7C15 ^ 2) }
        case .boolean(let b): return mix(seed ^ (b ? 1 : 0), 0x9E37_79B9_7F4A_7C15)
        case .annotated(let a): return hash(a.value, seed: seed)
        default: break
        }
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(value)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }

    /// Preserves equality, answered at once for strings and symbols of identical representation
    /// (the same short string, or the same storage).
    @inline(__always)
    static func same(_ a: AnyValue, _ b: AnyValue) -> Bool {
        if case .string(let x) = a, case .string(let y) = b,
            unsafeBitCast(x, to: (UInt64, UInt64).self) == unsafeBitCast(y, to: (UInt64, UInt64).self)
        {
            return true
        }
        if case .symbol(let x) = a, case .symbol(let y) = b,
            unsafeBitCast(x.name, to: (UInt64, UInt64).self) == unsafeBitCast(y.name, to: (UInt64, UInt64).self)
        {
            return true
        }
        return a == b
    }

    /// A 64×64→128-bit multiply folded to 64 bits: the mixing step.
    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    private static func text(_ s: String, kind: UInt64, seed: UInt64) -> UInt64 {
        var s = s
        return s.withUTF8 { bytes(UnsafeRawBufferPointer($0), kind: kind, seed: seed) }
    }

    private static func bytes(_ buffer: UnsafeRawBufferPointer, kind: UInt64, seed: UInt64) -> UInt64 {
        var h = mix(seed ^ kind, 0x9E37_79B9_7F4A_7C15 ^ UInt64(buffer.count))
        var i = 0
        while i + 8 <= buffer.count {
            h = mix(h ^ buffer.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xBF58_476D_1CE4_E5B9)
            i += 8
        }
        if i < buffer.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < buffer.count {
                tail |= UInt64(buffer[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(h ^ tail, 0x94D0_49BB_1331_11EB)
        }
        return mix(h, seed)
    }
}

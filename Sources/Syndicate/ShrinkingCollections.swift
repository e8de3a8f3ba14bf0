/// Swift's hash tables keep their capacity when entries are removed, so a table that once
/// held a million assertions holds the memory for a million after they are all retracted.
/// The tables that grow with what peers assert call these after removals: once a table is
/// mostly empty it is rebuilt at a fitting size (amortised O(1) per removal).
extension Dictionary {
    @inline(__always)
    mutating func shrinkIfSparse() {
        if capacity > 256 && count < capacity / 8 { shrink() }
    }

    @inline(never)
    private mutating func shrink() {
        var smaller = Dictionary(minimumCapacity: count * 2)
        for (key, value) in self { smaller[key] = value }
        self = smaller
    }
}

extension Set {
    @inline(__always)
    mutating func shrinkIfSparse() {
        if capacity > 256 && count < capacity / 8 { shrink() }
    }

    @inline(never)
    private mutating func shrink() {
        var smaller = Set(minimumCapacity: count * 2)
        for element in self { smaller.insert(element) }
        self = smaller
    }
}

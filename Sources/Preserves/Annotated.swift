/// A value together with its annotations, as produced by readers that keep annotations, and
/// optionally the place in the source text where it was read.
///
/// Annotations and positions are not part of the value: they never affect equality, hashing
/// or ordering.
public struct Annotated<Embedded: PreservesEmbedded>: Sendable {
    /// The annotations, in the order they were written.
    public var annotations: [Value<Embedded>]
    /// The annotated value; never itself `.annotated`.
    public var value: Value<Embedded>
    /// Where the value (after its annotations) starts in the text it was read from, when the
    /// reader was asked to record positions.
    public var position: SourcePosition?

    public init(annotations: [Value<Embedded>], value: Value<Embedded>, position: SourcePosition? = nil) {
        switch value {
        case .annotated(let inner):
            self.annotations = annotations + inner.annotations
            self.value = inner.value
            self.position = position ?? inner.position
        default:
            self.annotations = annotations
            self.value = value
            self.position = position
        }
    }
}

/// A place in source text.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// Byte offset in the UTF-8 text.
    public var offset: Int
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

extension Value {
    /// This value with `annotations` prepended to any it already has.
    public func annotated(with annotations: [Value]) -> Value {
        if annotations.isEmpty { return self }
        return .annotated(Annotated(annotations: annotations, value: self))
    }

    /// Where this value was read, if the reader recorded positions.
    public var position: SourcePosition? {
        if case .annotated(let a) = self { return a.position }
        return nil
    }

    /// This value marked as read at `position`.
    public func positioned(at position: SourcePosition) -> Value {
        if case .annotated(var a) = self {
            a.position = position
            return .annotated(a)
        }
        return .annotated(Annotated(annotations: [], value: self, position: position))
    }

    /// The annotations on this value (not on its children); empty if it has none.
    @inlinable
    public var annotations: [Value] {
        if case .annotated(let a) = self { return a.annotations }
        return []
    }

    /// This value without its own annotations; children keep theirs.
    @inlinable
    public var unannotated: Value {
        if case .annotated(let a) = self { return a.value }
        return self
    }

    /// This value with every annotation removed, at every depth.
    public var stripped: Value {
        switch self {
        case .boolean, .double, .integer, .string, .byteString, .symbol, .embedded:
            return self
        case .annotated(let a):
            return a.value.stripped
        case .record(let r):
            return .record(Record(labelAndFields: r.storage.map(\.stripped)))
        case .sequence(let items):
            return .sequence(items.map(\.stripped))
        case .set(let items):
            return .set(Set(items.lazy.map(\.stripped)))
        case .dictionary(let entries):
            var out: [Value: Value] = [:]
            out.reserveCapacity(entries.count)
            for (k, v) in entries { out[k.stripped] = v.stripped }
            return .dictionary(out)
        }
    }

    /// Whether this value or any value inside it carries annotations.
    public var containsAnnotations: Bool {
        switch self {
        case .boolean, .double, .integer, .string, .byteString, .symbol, .embedded: false
        case .annotated(let a): !a.annotations.isEmpty || a.value.containsAnnotations
        case .record(let r): r.storage.contains { $0.containsAnnotations }
        case .sequence(let items): items.contains { $0.containsAnnotations }
        case .set(let items): items.contains { $0.containsAnnotations }
        case .dictionary(let entries): entries.contains { $0.key.containsAnnotations || $0.value.containsAnnotations }
        }
    }

    /// Equality that also compares annotations, at every depth and in order.
    ///
    /// Preserves equality (`==`) ignores annotations; this stricter comparison is what tests of
    /// annotation-preserving readers and writers need.
    public func isIdentical(to other: Value) -> Bool {
        if annotations.count != other.annotations.count { return false }
        for (a, b) in zip(annotations, other.annotations) where !a.isIdentical(to: b) { return false }
        switch (unannotated, other.unannotated) {
        case (.record(let a), .record(let b)):
            return a.storage.count == b.storage.count
                && zip(a.storage, b.storage).allSatisfy { $0.isIdentical(to: $1) }
        case (.sequence(let a), .sequence(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
        case (.set(let a), .set(let b)):
            guard a.count == b.count else { return false }
            for x in a {
                guard let i = b.firstIndex(of: x), b[i].isIdentical(to: x) else { return false }
            }
            return true
        case (.dictionary(let a), .dictionary(let b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let i = b.index(forKey: k), b[i].key.isIdentical(to: k), b[i].value.isIdentical(to: v)
                else { return false }
            }
            return true
        case (.embedded(let a), .embedded(let b)):
            return a == b
        case (let a, let b):
            return a == b
        }
    }
}

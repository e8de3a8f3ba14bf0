import Preserves
import SyndicateProtocols

/// A position inside a value: the keys to step through from the root (record field indices,
/// sequence indices, dictionary keys).
typealias ValuePath = [AnyValue]

/// The class of a compound at a position: what the trie branches on. Arity is not part of
/// it, because dataspace patterns are extensible. (Labels, like every key in the index, are
/// compared with Preserves equality, which ignores annotations at every depth: nothing in the
/// index needs stripping.)
enum GroupClass: Hashable {
    case record(label: AnyValue)
    case sequence
    case dictionary

    /// Whether two record labels are equal: at once when they are symbols whose text has the
    /// same representation (identical short strings, or the same storage), as a message's
    /// label and an observer's usually are; by Preserves equality otherwise.
    @inline(__always)
    static func sameLabel(_ a: AnyValue, _ b: AnyValue) -> Bool {
        if case .symbol(let x) = a, case .symbol(let y) = b,
            unsafeBitCast(x.name, to: (UInt64, UInt64).self) == unsafeBitCast(y.name, to: (UInt64, UInt64).self)
        {
            return true
        }
        return a == b
    }

    init?(of value: AnyValue) {
        switch value.unannotated {
        case .record(let r): self = .record(label: r.label)
        case .sequence: self = .sequence
        case .dictionary: self = .dictionary
        default: return nil
        }
    }
}

/// One step of a pattern's shape: at `path` (from the root of the value) there must be a
/// compound of class `group`. A pattern's moves list its groups in pre-order, so patterns
/// sharing a prefix of moves share a path through the index's trie.
struct ShapeMove: Hashable {
    let path: ValuePath
    let group: GroupClass
}

/// Which positions a pattern constrains by value, and which it only requires to exist.
struct ConstantPositions: Hashable {
    let withValues: [ValuePath]
    let requiredToExist: [ValuePath]
}

/// A dataspace pattern taken apart for the index.
struct PatternAnalysis {
    var moves: [ShapeMove] = []
    var constantPositions = ConstantPositions(withValues: [], requiredToExist: [])
    var constantValues: [AnyValue] = []
    var capturePaths: [ValuePath] = []

    init(_ pattern: DataspacePatterns.Pattern<Ref>) {
        var withValues: [ValuePath] = []
        var required: [ValuePath] = []
        walk(pattern, path: [], withValues: &withValues, required: &required)
        constantPositions = ConstantPositions(withValues: withValues, requiredToExist: required)
    }

    private mutating func walk(
        _ pattern: DataspacePatterns.Pattern<Ref>, path: ValuePath,
        withValues: inout [ValuePath], required: inout [ValuePath]
    ) {
        switch pattern {
        case .discard:
            if !path.isEmpty { required.append(path) }
        case .bind(let inner):
            capturePaths.append(path)
            walk(inner, path: path, withValues: &withValues, required: &required)
        case .lit(let atom):
            withValues.append(path)
            constantValues.append(atom.preserves)
        case .group(let type, let entries):
            let group: GroupClass =
                switch type {
                case .rec(let label): .record(label: label)
                case .arr: .sequence
                case .dict: .dictionary
                }
            moves.append(ShapeMove(path: path, group: group))
            for (k, child) in entries.sorted(by: { $0.key < $1.key }) {
                walk(child, path: path + [k], withValues: &withValues, required: &required)
            }
        }
    }
}

/// Stepping into values along keys and paths.
enum Projection {
    static func step(_ value: AnyValue, _ key: AnyValue) -> AnyValue? {
        switch value.unannotated {
        case .record(let r):
            guard let i = key.int, i >= 0, i < r.fields.count else { return nil }
            return r.fields[i]
        case .sequence(let items):
            guard let i = key.int, i >= 0, i < items.count else { return nil }
            return items[i]
        case .dictionary(let d):
            return d[key]
        default:
            return nil
        }
    }

    static func project(_ value: AnyValue, _ path: ValuePath) -> AnyValue? {
        var current = value
        for key in path {
            guard let next = step(current, key) else { return nil }
            current = next
        }
        return current
    }

    /// The values at each path, or `nil` if any path does not exist.
    static func project(_ value: AnyValue, _ paths: [ValuePath]) -> [AnyValue]? {
        var out: [AnyValue] = []
        out.reserveCapacity(paths.count)
        for path in paths {
            guard let v = project(value, path) else { return nil }
            out.append(v)
        }
        return out
    }
}


/// A ``ValuePath`` prepared for stepping into values: integer keys (record fields, sequence
/// elements) are converted once, not at every step of every event.
struct CompiledPath {
    enum Step {
        /// A non-negative machine integer: a field, an element, or a dictionary key.
        case index(Int, key: AnyValue)
        /// A key that is not a non-negative machine integer: only a dictionary can have it.
        case key(AnyValue)
    }

    let steps: [Step]
    /// The index, when the path is one step to a field or element (the usual case), which
    /// then needs no `Step` copied out of `steps`; -1 otherwise.
    private let singleIndex: Int

    init(_ path: ValuePath) {
        steps = path.map { key in
            if let i = key.int, i >= 0 { .index(i, key: key) } else { .key(key) }
        }
        if steps.count == 1, case .index(let i, _) = steps[0] { singleIndex = i } else { singleIndex = -1 }
    }

    /// The value at this path inside `value`, or `nil` if there is none.
    func project(_ value: AnyValue) -> AnyValue? {
        if singleIndex >= 0 {
            switch value {
            case .record(let r):
                let all = r.labelAndFields
                return singleIndex + 1 < all.count ? all[singleIndex + 1] : nil
            case .sequence(let items):
                return singleIndex < items.count ? items[singleIndex] : nil
            default: break
            }
        }
        switch steps.count {
        case 0: return value
        case 1: return Self.step(value, steps[0])
        default:
            var current = value
            for step in steps {
                guard let next = Self.step(current, step) else { return nil }
                current = next
            }
            return current
        }
    }

    /// Whether `value` has a value at this path (the last step's value is not copied out).
    func exists(in value: AnyValue) -> Bool {
        if singleIndex >= 0 {
            switch value {
            case .record(let r): return singleIndex + 1 < r.labelAndFields.count
            case .sequence(let items): return singleIndex < items.count
            default: break
            }
        }
        switch steps.count {
        case 0: return true
        case 1: return Self.has(value, steps[0])
        default:
            var current = value
            for step in steps.dropLast() {
                guard let next = Self.step(current, step) else { return false }
                current = next
            }
            return Self.has(current, steps[steps.count - 1])
        }
    }

    private static func has(_ value: AnyValue, _ step: Step) -> Bool {
        switch value {
        case .record(let r):
            guard case .index(let i, _) = step else { return false }
            return i + 1 < r.labelAndFields.count
        case .sequence(let items):
            guard case .index(let i, _) = step else { return false }
            return i < items.count
        case .dictionary(let d):
            switch step {
            case .index(_, let k), .key(let k): return d[k] != nil
            }
        case .annotated(let a):
            return has(a.value, step)
        default:
            return false
        }
    }

    /// One step in, matching on `value` itself (no copy of it is made).
    private static func step(_ value: AnyValue, _ step: Step) -> AnyValue? {
        switch value {
        case .record(let r):
            guard case .index(let i, _) = step else { return nil }
            let all = r.labelAndFields
            return i + 1 < all.count ? all[i + 1] : nil
        case .sequence(let items):
            guard case .index(let i, _) = step else { return nil }
            return i < items.count ? items[i] : nil
        case .dictionary(let d):
            switch step {
            case .index(_, let k), .key(let k): return d[k]
            }
        case .annotated(let a):
            return Self.step(a.value, step)
        default:
            return nil
        }
    }
}

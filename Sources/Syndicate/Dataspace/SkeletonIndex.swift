import Preserves
import SyndicateProtocols

/// The dataspace's index of assertions and observers, in the style of syndicate-rs's skeleton.
///
/// Observers are filed by their pattern's *shape* (a trie over the compound classes the
/// pattern requires, position by position), then by which positions hold constants, then by
/// the constant values, then by which positions they capture. An assertion or message walks
/// only the trie branches its own shape allows and does one dictionary lookup per set of
/// constant positions, so observers whose constants cannot match cost nothing per event.
final class SkeletonIndex {
    private let root = Node()
    /// Every assertion with its count (bag semantics).
    private var counts: [AnyValue: Int] = [:]

    final class Node {
        var edges: [Selector: [GroupClass: Node]] = [:]
        let continuation = Continuation()
    }

    struct Selector: Hashable {
        let pop: Int
        let key: AnyValue
    }

    final class Continuation {
        var cachedAssertions: Set<AnyValue> = []
        var leaves: [ConstantPositions: [[AnyValue]: Leaf]] = [:]
    }

    final class Leaf {
        var cachedAssertions: Set<AnyValue> = []
        var endpoints: [[ValuePath]: Endpoints] = [:]
    }

    final class Endpoints {
        /// Capture tuples with how many assertions produce each.
        var cachedCaptures: [[AnyValue]: Int] = [:]
        /// For each observer, the handle under which it was told each capture tuple.
        var observers: [Ref: [[AnyValue]: Handle]] = [:]
    }

    var assertionCount: Int { counts.count }

    // MARK: Assertions

    /// Counts `value` in; returns whether it was absent before (only then do observers hear).
    @discardableResult
    func insert(_ turn: Turn, _ value: AnyValue) -> Bool {
        let count = counts[value, default: 0]
        counts[value] = count + 1
        guard count == 0 else { return false }
        walk(value) { continuation in
            continuation.cachedAssertions.insert(value)
        } leaf: { leaf in
            leaf.cachedAssertions.insert(value)
        } endpoints: { capturePaths, endpoints in
            guard let captures = Projection.project(value, capturePaths) else { return }
            let n = endpoints.cachedCaptures[captures, default: 0]
            endpoints.cachedCaptures[captures] = n + 1
            if n == 0 {
                for observer in endpoints.observers.keys {
                    endpoints.observers[observer]![captures] = turn.assert(observer, .sequence(captures))
                }
            }
        }
        return true
    }

    /// Counts `value` out; returns whether it is now absent (only then do observers hear).
    @discardableResult
    func remove(_ turn: Turn, _ value: AnyValue) -> Bool {
        guard let count = counts[value] else { return false }
        if count > 1 {
            counts[value] = count - 1
            return false
        }
        counts[value] = nil
        walk(value) { continuation in
            continuation.cachedAssertions.remove(value)
        } leaf: { leaf in
            leaf.cachedAssertions.remove(value)
        } endpoints: { capturePaths, endpoints in
            guard let captures = Projection.project(value, capturePaths),
                let n = endpoints.cachedCaptures[captures]
            else { return }
            if n > 1 {
                endpoints.cachedCaptures[captures] = n - 1
                return
            }
            endpoints.cachedCaptures[captures] = nil
            for observer in endpoints.observers.keys {
                if let handle = endpoints.observers[observer]!.removeValue(forKey: captures) { turn.retract(handle) }
            }
        }
        return true
    }

    /// Delivers a message to every observer whose pattern matches.
    func send(_ turn: Turn, _ message: AnyValue) {
        walk(message) { _ in } leaf: { _ in } endpoints: { capturePaths, endpoints in
            guard !endpoints.observers.isEmpty, let captures = Projection.project(message, capturePaths) else { return }
            for observer in endpoints.observers.keys { turn.message(observer, .sequence(captures)) }
        }
    }

    /// Visits the nodes, leaves and endpoints that `value`'s shape and constants reach.
    private func walk(
        _ value: AnyValue,
        continuation visitContinuation: (Continuation) -> Void,
        leaf visitLeaf: (Leaf) -> Void,
        endpoints visitEndpoints: ([ValuePath], Endpoints) -> Void
    ) {
        func visit(_ node: Node, _ stack: inout [AnyValue]) {
            let continuation = node.continuation
            visitContinuation(continuation)
            for (positions, leaves) in continuation.leaves {
                guard positions.requiredToExist.allSatisfy({ Projection.project(value, $0) != nil }),
                    let key = Projection.project(value, positions.withValues),
                    let leaf = leaves[key]
                else { continue }
                visitLeaf(leaf)
                for (paths, endpoints) in leaf.endpoints { visitEndpoints(paths, endpoints) }
            }
            for (selector, table) in node.edges {
                let base = stack.count - selector.pop
                guard base >= 1, let sub = Projection.step(stack[base - 1], selector.key),
                    let group = GroupClass(of: sub), let next = table[group]
                else { continue }
                let saved = Array(stack[base...])
                stack.removeLast(selector.pop)
                stack.append(sub)
                visit(next, &stack)
                stack.removeLast()
                stack.append(contentsOf: saved)
            }
        }
        var stack: [AnyValue] = [.sequence([value])]
        visit(root, &stack)
    }

    // MARK: Observers

    /// Files `observer` under `pattern` and tells it about every matching assertion.
    func addObserver(_ turn: Turn, _ pattern: DataspacePatterns.Pattern<Ref>, _ observer: Ref) {
        let analysis = PatternAnalysis(pattern)
        let continuation = extend(analysis.moves)
        let positions = analysis.constantPositions
        if continuation.leaves[positions] == nil { continuation.leaves[positions] = [:] }
        let leaf: Leaf
        if let existing = continuation.leaves[positions]![analysis.constantValues] {
            leaf = existing
        } else {
            leaf = Leaf()
            for value in continuation.cachedAssertions
            where positions.requiredToExist.allSatisfy({ Projection.project(value, $0) != nil })
                && Projection.project(value, positions.withValues) == analysis.constantValues
            {
                leaf.cachedAssertions.insert(value)
            }
            continuation.leaves[positions]![analysis.constantValues] = leaf
        }
        let endpoints: Endpoints
        if let existing = leaf.endpoints[analysis.capturePaths] {
            endpoints = existing
        } else {
            endpoints = Endpoints()
            for value in leaf.cachedAssertions {
                if let captures = Projection.project(value, analysis.capturePaths) {
                    endpoints.cachedCaptures[captures, default: 0] += 1
                }
            }
            leaf.endpoints[analysis.capturePaths] = endpoints
        }
        var handles: [[AnyValue]: Handle] = endpoints.observers[observer] ?? [:]
        for captures in endpoints.cachedCaptures.keys where handles[captures] == nil {
            handles[captures] = turn.assert(observer, .sequence(captures))
        }
        endpoints.observers[observer] = handles
    }

    /// Removes `observer` from `pattern`, retracting everything it was told.
    func removeObserver(_ turn: Turn, _ pattern: DataspacePatterns.Pattern<Ref>, _ observer: Ref) {
        let analysis = PatternAnalysis(pattern)
        guard let continuation = find(analysis.moves)?.continuation,
            let leaf = continuation.leaves[analysis.constantPositions]?[analysis.constantValues],
            let endpoints = leaf.endpoints[analysis.capturePaths],
            let handles = endpoints.observers.removeValue(forKey: observer)
        else { return }
        for handle in handles.values.sorted() { turn.retract(handle) }
        if endpoints.observers.isEmpty { leaf.endpoints[analysis.capturePaths] = nil }
        if leaf.endpoints.isEmpty { continuation.leaves[analysis.constantPositions]![analysis.constantValues] = nil }
        if continuation.leaves[analysis.constantPositions]!.isEmpty { continuation.leaves[analysis.constantPositions] = nil }
    }

    /// The node for a shape, created (and seeded from its parent's cache) if new.
    private func extend(_ moves: [ShapeMove]) -> Continuation {
        var node = root
        var path: [(ShapeMove)] = []
        for move in moves {
            path.append(move)
            let selector = Selector(pop: move.pop, key: move.key)
            if let next = node.edges[selector]?[move.group] {
                node = next
                continue
            }
            let next = Node()
            for value in node.continuation.cachedAssertions where Self.follows(value, path) {
                next.continuation.cachedAssertions.insert(value)
            }
            node.edges[selector, default: [:]][move.group] = next
            node = next
        }
        return node.continuation
    }

    private func find(_ moves: [ShapeMove]) -> Node? {
        var node = root
        for move in moves {
            guard let next = node.edges[Selector(pop: move.pop, key: move.key)]?[move.group] else { return nil }
            node = next
        }
        return node
    }

    /// Whether `value` has the classes `moves` require, position by position.
    static func follows(_ value: AnyValue, _ moves: [ShapeMove]) -> Bool {
        var stack: [AnyValue] = [.sequence([value])]
        for move in moves {
            let base = stack.count - move.pop
            guard base >= 1, let sub = Projection.step(stack[base - 1], move.key), GroupClass(of: sub) == move.group else {
                return false
            }
            stack.removeLast(move.pop)
            stack.append(sub)
        }
        return true
    }
}

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
        /// Branches: the position they look at, and the node for each class found there.
        var edges: [Edge] = []
        let continuation = Continuation()

        func edge(at path: ValuePath) -> Edge? { edges.first { $0.path == path } }
    }

    final class Edge {
        let path: ValuePath
        /// The node for each class found at `path`. Usually a handful, so they are searched
        /// by comparison; a hash table takes over when there are many.
        private var few: [(GroupClass, Node)] = []
        private var many: [GroupClass: Node]?
        init(path: ValuePath) { self.path = path }

        subscript(group: GroupClass) -> Node? {
            get {
                if let many { return many[group] }
                for (g, node) in few where g == group { return node }
                return nil
            }
            set {
                precondition(newValue != nil && self[group] == nil, "edges only grow")
                if many != nil {
                    many![group] = newValue
                } else if few.count < 8 {
                    few.append((group, newValue!))
                } else {
                    many = Dictionary(uniqueKeysWithValues: few)
                    many![group] = newValue
                    few = []
                }
            }
        }
    }

    final class Continuation {
        var cachedAssertions: Set<AnyValue> = []
        var leafGroups: [LeafGroup] = []

        func group(for positions: ConstantPositions) -> LeafGroup? { leafGroups.first { $0.positions == positions } }
    }

    /// The observers that test the same positions for constants, by the constants they want.
    final class LeafGroup {
        let positions: ConstantPositions
        /// Keyed by the constants: the value itself when there is one, else their sequence.
        var leaves: [AnyValue: Leaf] = [:]
        init(positions: ConstantPositions) { self.positions = positions }

        /// The key `value` has in `leaves`, or `nil` if a required position is missing.
        func key(for value: AnyValue) -> AnyValue? {
            for path in positions.requiredToExist where Projection.project(value, path) == nil { return nil }
            if positions.withValues.count == 1 { return Projection.project(value, positions.withValues[0]) }
            return Projection.project(value, positions.withValues).map(AnyValue.sequence)
        }

        /// The key of a pattern's constants.
        func key(forConstants constants: [AnyValue]) -> AnyValue {
            constants.count == 1 ? constants[0] : .sequence(constants)
        }
    }

    final class Leaf {
        var cachedAssertions: Set<AnyValue> = []
        var endpoints: [Endpoints] = []
        func endpoints(for paths: [ValuePath]) -> Endpoints? { endpoints.first { $0.capturePaths == paths } }
    }

    final class Endpoints {
        let capturePaths: [ValuePath]
        /// Capture tuples with how many assertions produce each.
        var cachedCaptures: [[AnyValue]: Int] = [:]
        /// For each observer, the handle under which it was told each capture tuple.
        var observers: [Ref: [[AnyValue]: Handle]] = [:]
        init(capturePaths: [ValuePath]) { self.capturePaths = capturePaths }
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
            for endpoints in leaf.endpoints {
                guard let captures = Projection.project(value, endpoints.capturePaths) else { continue }
                let n = endpoints.cachedCaptures[captures, default: 0]
                endpoints.cachedCaptures[captures] = n + 1
                if n == 0 {
                    for observer in endpoints.observers.keys {
                        endpoints.observers[observer]![captures] = turn.assert(observer, .sequence(captures))
                    }
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
            for endpoints in leaf.endpoints {
                guard let captures = Projection.project(value, endpoints.capturePaths),
                    let n = endpoints.cachedCaptures[captures]
                else { continue }
                if n > 1 {
                    endpoints.cachedCaptures[captures] = n - 1
                    continue
                }
                endpoints.cachedCaptures[captures] = nil
                for observer in endpoints.observers.keys {
                    if let handle = endpoints.observers[observer]!.removeValue(forKey: captures) { turn.retract(handle) }
                }
            }
        }
        return true
    }

    /// Delivers a message to every observer whose pattern matches.
    func send(_ turn: Turn, _ message: AnyValue) {
        walk(message) { _ in } leaf: { leaf in
            for endpoints in leaf.endpoints where !endpoints.observers.isEmpty {
                guard let captures = Projection.project(message, endpoints.capturePaths) else { continue }
                let body = AnyValue.sequence(captures)
                for observer in endpoints.observers.keys { turn.message(observer, body) }
            }
        }
    }

    /// Visits the nodes and leaves that `value`'s shape and constants reach.
    private func walk(_ value: AnyValue, continuation visitContinuation: (Continuation) -> Void, leaf visitLeaf: (Leaf) -> Void) {
        func visit(_ node: Node) {
            let continuation = node.continuation
            visitContinuation(continuation)
            for group in continuation.leafGroups {
                guard let key = group.key(for: value), let leaf = group.leaves[key] else { continue }
                visitLeaf(leaf)
            }
            for edge in node.edges {
                guard let sub = Projection.project(value, edge.path), let group = GroupClass(of: sub),
                    let next = edge[group]
                else { continue }
                visit(next)
            }
        }
        visit(root)
    }

    // MARK: Observers

    /// Files `observer` under `pattern` and tells it about every matching assertion.
    func addObserver(_ turn: Turn, _ pattern: DataspacePatterns.Pattern<Ref>, _ observer: Ref) {
        let analysis = PatternAnalysis(pattern)
        let continuation = extend(analysis.moves)
        let positions = analysis.constantPositions
        let group: LeafGroup
        if let existing = continuation.group(for: positions) {
            group = existing
        } else {
            group = LeafGroup(positions: positions)
            continuation.leafGroups.append(group)
        }
        let leaf: Leaf
        let constants = group.key(forConstants: analysis.constantValues)
        if let existing = group.leaves[constants] {
            leaf = existing
        } else {
            leaf = Leaf()
            for value in continuation.cachedAssertions where group.key(for: value) == constants {
                leaf.cachedAssertions.insert(value)
            }
            group.leaves[constants] = leaf
        }
        let endpoints: Endpoints
        if let existing = leaf.endpoints(for: analysis.capturePaths) {
            endpoints = existing
        } else {
            endpoints = Endpoints(capturePaths: analysis.capturePaths)
            for value in leaf.cachedAssertions {
                if let captures = Projection.project(value, analysis.capturePaths) {
                    endpoints.cachedCaptures[captures, default: 0] += 1
                }
            }
            leaf.endpoints.append(endpoints)
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
            let group = continuation.group(for: analysis.constantPositions),
            let leaf = group.leaves[group.key(forConstants: analysis.constantValues)],
            let endpoints = leaf.endpoints(for: analysis.capturePaths),
            let handles = endpoints.observers.removeValue(forKey: observer)
        else { return }
        for handle in handles.values.sorted() { turn.retract(handle) }
        if endpoints.observers.isEmpty { leaf.endpoints.removeAll { $0 === endpoints } }
        if leaf.endpoints.isEmpty { group.leaves[group.key(forConstants: analysis.constantValues)] = nil }
        if group.leaves.isEmpty { continuation.leafGroups.removeAll { $0 === group } }
    }

    /// The node for a shape, created (and seeded from its parent's cache) if new.
    private func extend(_ moves: [ShapeMove]) -> Continuation {
        var node = root
        var taken: [ShapeMove] = []
        for move in moves {
            taken.append(move)
            let edge: Edge
            if let existing = node.edge(at: move.path) {
                edge = existing
            } else {
                edge = Edge(path: move.path)
                node.edges.append(edge)
            }
            if let next = edge[move.group] {
                node = next
                continue
            }
            let next = Node()
            for value in node.continuation.cachedAssertions where Self.follows(value, taken) {
                next.continuation.cachedAssertions.insert(value)
            }
            edge[move.group] = next
            node = next
        }
        return node.continuation
    }

    private func find(_ moves: [ShapeMove]) -> Node? {
        var node = root
        for move in moves {
            guard let next = node.edge(at: move.path)?[move.group] else { return nil }
            node = next
        }
        return node
    }

    /// Whether `value` has the classes `moves` require at their positions.
    static func follows(_ value: AnyValue, _ moves: [ShapeMove]) -> Bool {
        moves.allSatisfy { move in
            guard let sub = Projection.project(value, move.path) else { return false }
            return GroupClass(of: sub) == move.group
        }
    }
}

import Preserves
import SyndicateProtocols

/// One distinct value asserted in a dataspace, with how many times it is asserted (bag
/// semantics).
///
/// There is exactly one entry per distinct value, so the index's caches hold entries and
/// compare them by identity: a cache insertion costs one pointer hash, however large the value.
final class AssertionEntry: Hashable {
    let value: AnyValue
    var count = 0

    init(_ value: AnyValue) { self.value = value }

    static func == (a: AssertionEntry, b: AssertionEntry) -> Bool { a === b }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// The dataspace's index of assertions and observers, in the style of syndicate-rs's skeleton.
///
/// Observers are filed by their pattern's *shape* (a trie over the compound classes the
/// pattern requires, position by position), then by which positions hold constants, then by
/// the constant values, then by which positions they capture. An assertion or message walks
/// only the trie branches its own shape allows and does one dictionary lookup per set of
/// constant positions, so observers whose constants cannot match cost nothing per event.
///
/// Every lookup on the way is hashed, and the caches a new branch needs are kept partitioned
/// ahead of time (each edge keeps a node per class seen at its position, each group of
/// constant positions keeps its assertions by their constants), so registering an observer
/// costs in proportion to what it matches, not to what the dataspace holds. Branches that no
/// observer needs any more are pruned, so the index shrinks back when observers and
/// assertions go.
///
/// The trie's hot properties are marked `@exclusivity(unchecked)`: a message reads a dozen of
/// them, and each run-time check costs more than the read. The index belongs to one actor and
/// no code here calls out while one of them is being modified.
final class SkeletonIndex {
    private let root = Node()
    /// Every distinct assertion, with its count.
    private var entries: [AnyValue: AssertionEntry] = [:]

    final class Node {
        /// Branches by the position they look at.
        @exclusivity(unchecked) var edges: [ValuePath: Edge] = [:] { didSet { edgeList = Array(edges.values) } }
        /// `edges`' values, for the walk every event takes (an array is cheaper to iterate).
        @exclusivity(unchecked) private(set) var edgeList: [Edge] = []
        /// The assertions that have this node's shape.
        @exclusivity(unchecked) var cachedAssertions: Set<AssertionEntry> = []
        /// Observer groups by the positions their patterns hold constants at.
        @exclusivity(unchecked) var leafGroups: [ConstantPositions: LeafGroup] = [:] {
            didSet { leafGroupList = Array(leafGroups.values) }
        }
        /// `leafGroups`' values, for the walk every event takes.
        @exclusivity(unchecked) private(set) var leafGroupList: [LeafGroup] = []
        /// Whether the node is counted in its edge's ``Edge/activeNodes``.
        var countedActive = false

        /// A node is needed while an observer is filed at it or below it.
        var isActive: Bool { !leafGroups.isEmpty || !edges.isEmpty }
    }

    final class Edge {
        let path: ValuePath
        /// A node for each class of compound found at `path` among the parent's assertions,
        /// whether or not an observer needs it yet: its cache is ready when one does.
        @exclusivity(unchecked) var nodes: [GroupClass: Node] = [:]
        /// The active record nodes with their labels, which messages look for: usually one
        /// or two, whose labels are compared, not hashed (the edge often has more nodes,
        /// for the classes of assertions no observer wants, such as `Observe`).
        @exclusivity(unchecked) private var activeRecords: [(label: AnyValue, node: Node)] = []
        /// `activeRecords` by label, once there are more than a few.
        @exclusivity(unchecked) private var activeRecordIndex: [AnyValue: Node]?
        @exclusivity(unchecked) private var activeSequence: Node?
        @exclusivity(unchecked) private var activeDictionary: Node?
        private static let linearLimit = 4
        /// How many of `nodes` are active; the edge goes when none is.
        var activeNodes = 0
        private let compiledPath: CompiledPath
        init(path: ValuePath) {
            self.path = path
            self.compiledPath = CompiledPath(path)
        }

        /// Records that `node` (this edge's node for `group`) became active or inactive
        /// (see ``SkeletonIndex/updateActivity(_:)``, the only place activity is recounted).
        func activityChanged(_ group: GroupClass, _ node: Node, active: Bool) {
            switch group {
            case .record(let label):
                if active {
                    activeRecords.append((label, node))
                    if activeRecordIndex != nil {
                        activeRecordIndex![label] = node
                    } else if activeRecords.count > Self.linearLimit {
                        activeRecordIndex = Dictionary(activeRecords.map { ($0.label, $0.node) }, uniquingKeysWith: { a, _ in a })
                    }
                } else {
                    if let i = activeRecords.firstIndex(where: { $0.node === node }) {
                        activeRecords.swapAt(i, activeRecords.count - 1)
                        activeRecords.removeLast()
                    }
                    if activeRecords.count <= Self.linearLimit {
                        activeRecordIndex = nil
                    } else {
                        activeRecordIndex![label] = nil
                        activeRecordIndex!.shrinkIfSparse()
                    }
                }
            case .sequence: activeSequence = active ? node : nil
            case .dictionary: activeDictionary = active ? node : nil
            }
        }

        /// The active node for the class of compound `value` has at `path`, if any. A record's
        /// label is looked up without building a ``GroupClass`` (no copy, and no hashing while
        /// the edge has few active record classes, as most do).
        func activeNode(for value: AnyValue) -> Node? {
            // The root edge (every record pattern's first) looks at the value itself: no copy.
            if compiledPath.steps.isEmpty { return activeNode(forProjected: value) }
            guard let sub = compiledPath.project(value) else { return nil }
            return activeNode(forProjected: sub)
        }

        private func activeNode(forProjected sub: AnyValue) -> Node? {
            let node: Node?
            switch sub {
            case .record(let r):
                if let index = activeRecordIndex {
                    node = index[r.label]
                } else {
                    var found: Node?
                    for entry in activeRecords where GroupClass.sameLabel(entry.label, r.label) {
                        found = entry.node
                        break
                    }
                    node = found
                }
            case .sequence: node = activeSequence
            case .dictionary: node = activeDictionary
            case .annotated(let a): return activeNode(forProjected: a.value)
            default: node = nil
            }
            guard let node, node.isActive else { return nil }
            return node
        }
    }

    /// The observers that test the same positions for constants, by the constants they want.
    final class LeafGroup {
        let positions: ConstantPositions
        /// The leaves by their constants (a ``LeafTable``: its hash of a message's key costs a
        /// fraction of `Hasher`'s, which matters once a group has many leaves).
        @exclusivity(unchecked) var leaves = LeafTable<Leaf>() {
            didSet {
                if keyless { soleLeaf = leaves.entries.first?.element }
                fewLeaves = leaves.count <= Self.linearLimit ? leaves.entries.map { ($0.key, $0.element) } : nil
            }
        }
        /// The one leaf of a keyless group.
        @exclusivity(unchecked) private var soleLeaf: Leaf?
        /// `leaves` while there are at most `linearLimit`: a message's key is then compared
        /// with each (usually one, of the same representation: no hashing) instead of hashed.
        @exclusivity(unchecked) private var fewLeaves: [(key: AnyValue, leaf: Leaf)]? = []
        private static let linearLimit = 4
        /// The node's assertions by their constants at `positions` (those that have them all).
        var assertionsByKey: [AnyValue: Set<AssertionEntry>] = [:]
        /// Whether the key of every value is the same (no constant positions): then the group
        /// has at most one leaf, and finding it needs no key.
        private let keyless: Bool
        private let required: [CompiledPath]
        private let withValues: [CompiledPath]
        init(positions: ConstantPositions) {
            self.positions = positions
            self.keyless = positions.withValues.isEmpty
            self.required = positions.requiredToExist.map(CompiledPath.init)
            self.withValues = positions.withValues.map(CompiledPath.init)
        }

        /// The leaf whose constants `value` has, if any.
        func leaf(for value: AnyValue) -> Leaf? {
            // By index, here and below: `for x in array` copies each element out (a retain
            // and release of what it holds), a subscript read borrows it.
            for i in required.indices where !required[i].exists(in: value) { return nil }
            if keyless { return soleLeaf }
            if withValues.count == 1 {
                guard let key = withValues[0].project(value) else { return nil }
                return leaf(forKey: key)
            }
            var key: [AnyValue] = []
            key.reserveCapacity(withValues.count)
            for path in withValues {
                guard let v = path.project(value) else { return nil }
                key.append(v)
            }
            return leaf(forKey: .sequence(key))
        }

        @inline(__always)
        private func leaf(forKey key: AnyValue) -> Leaf? {
            // Read in place, not bound to a local: a copy of the array costs a retain and release.
            if fewLeaves == nil { return leaves[key] }
            for i in fewLeaves!.indices where KeyHash.same(fewLeaves![i].key, key) { return fewLeaves![i].leaf }
            return nil
        }

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
        @exclusivity(unchecked) var endpoints: [[ValuePath]: Endpoints] = [:] {
            didSet { endpointList = Array(endpoints.values) }
        }
        /// `endpoints`' values, for the walk every event takes.
        @exclusivity(unchecked) private(set) var endpointList: [Endpoints] = []
    }

    final class Endpoints {
        let capturePaths: [ValuePath]
        /// Capture tuples with how many assertions produce each.
        var cachedCaptures: [[AnyValue]: Int] = [:]
        /// The observers, in the order they came: every message walks this array.
        @exclusivity(unchecked) private(set) var observerRefs: [Ref] = []
        /// For each of `observerRefs`, the handle under which it was told each capture tuple.
        @exclusivity(unchecked) var observerHandles: [[[AnyValue]: Handle]] = []
        /// Where each observer is in `observerRefs`.
        private var slots: [Ref: Int] = [:]
        private let compiledPaths: [CompiledPath]
        init(capturePaths: [ValuePath]) {
            self.capturePaths = capturePaths
            self.compiledPaths = capturePaths.map(CompiledPath.init)
        }

        var hasObservers: Bool { !observerRefs.isEmpty }

        /// The slot of `observer`, added with no handles if it is new.
        func slot(adding observer: Ref) -> Int {
            if let i = slots[observer] { return i }
            let i = observerRefs.count
            observerRefs.append(observer)
            observerHandles.append([:])
            slots[observer] = i
            return i
        }

        /// Removes `observer`, returning its handles (the last slot moves into its place).
        func remove(_ observer: Ref) -> [[AnyValue]: Handle]? {
            guard let i = slots.removeValue(forKey: observer) else { return nil }
            let handles = observerHandles[i]
            let last = observerRefs.count - 1
            if i != last {
                observerRefs[i] = observerRefs[last]
                observerHandles[i] = observerHandles[last]
                slots[observerRefs[i]] = i
            }
            observerRefs.removeLast()
            observerHandles.removeLast()
            slots.shrinkIfSparse()
            return handles
        }

        /// The values `value` has at the capture paths, or `nil` if one is missing.
        func captures(of value: AnyValue) -> [AnyValue]? {
            // One or two captures (the usual case) as array literals: one allocation, no growth.
            switch compiledPaths.count {
            case 0: return []
            case 1:
                guard let a = compiledPaths[0].project(value) else { return nil }
                return [a]
            case 2:
                guard let a = compiledPaths[0].project(value), let b = compiledPaths[1].project(value) else { return nil }
                return [a, b]
            default: break
            }
            var out: [AnyValue] = []
            out.reserveCapacity(compiledPaths.count)
            for path in compiledPaths {
                guard let v = path.project(value) else { return nil }
                out.append(v)
            }
            return out
        }
    }

    var assertionCount: Int { entries.count }

    /// Cached assertions examined while filing observers (for tests of how registration scales).
    private(set) var registrationScans = 0

    /// The trie's nodes, the root included (for tests of pruning).
    var nodeCount: Int {
        func count(_ node: Node) -> Int {
            1 + node.edges.values.reduce(0) { sum, edge in sum + edge.nodes.values.reduce(0) { $0 + count($1) } }
        }
        return count(root)
    }

    // MARK: Assertions

    /// Counts `value` in. Observers hear only of a value's first arrival.
    func insert(_ turn: Turn, _ value: AnyValue) -> AssertionEntry {
        if let entry = entries[value] {
            entry.count += 1
            return entry
        }
        let entry = AssertionEntry(value)
        entry.count = 1
        entries[value] = entry
        insert(turn, entry, at: root)
        return entry
    }

    private func insert(_ turn: Turn, _ entry: AssertionEntry, at node: Node) {
        let value = entry.value
        node.cachedAssertions.insert(entry)
        for group in node.leafGroups.values {
            guard let key = group.key(for: value) else { continue }
            group.assertionsByKey[key, default: []].insert(entry)
            guard let leaf = group.leaves[key] else { continue }
            for endpoints in leaf.endpoints.values {
                guard let captures = Projection.project(value, endpoints.capturePaths) else { continue }
                let n = endpoints.cachedCaptures[captures, default: 0]
                endpoints.cachedCaptures[captures] = n + 1
                if n == 0 {
                    for i in endpoints.observerRefs.indices {
                        // The handle is made before `observerHandles` is modified: no call runs
                        // inside an access to it (its exclusivity is not checked at run time).
                        let handle = turn.assert(endpoints.observerRefs[i], .sequence(captures))
                        endpoints.observerHandles[i][captures] = handle
                    }
                }
            }
        }
        for edge in node.edges.values {
            guard let sub = Projection.project(value, edge.path), let group = GroupClass(of: sub) else { continue }
            let child: Node
            if let existing = edge.nodes[group] {
                child = existing
            } else {
                child = Node()
                edge.nodes[group] = child
            }
            insert(turn, entry, at: child)
        }
    }

    /// Counts `entry` out once. Observers hear only of a value's last departure; returns
    /// whether that was it.
    @discardableResult
    func remove(_ turn: Turn, _ entry: AssertionEntry) -> Bool {
        entry.count -= 1
        guard entry.count == 0 else { return false }
        entries[entry.value] = nil
        entries.shrinkIfSparse()
        remove(turn, entry, at: root)
        return true
    }

    private func remove(_ turn: Turn, _ entry: AssertionEntry, at node: Node) {
        let value = entry.value
        node.cachedAssertions.remove(entry)
        node.cachedAssertions.shrinkIfSparse()
        for group in node.leafGroups.values {
            guard let key = group.key(for: value) else { continue }
            if group.assertionsByKey[key]?.remove(entry) != nil {
                if group.assertionsByKey[key]!.isEmpty {
                    group.assertionsByKey[key] = nil
                    group.assertionsByKey.shrinkIfSparse()
                } else {
                    group.assertionsByKey[key]!.shrinkIfSparse()
                }
            }
            guard let leaf = group.leaves[key] else { continue }
            for endpoints in leaf.endpoints.values {
                guard let captures = Projection.project(value, endpoints.capturePaths),
                    let n = endpoints.cachedCaptures[captures]
                else { continue }
                if n > 1 {
                    endpoints.cachedCaptures[captures] = n - 1
                    continue
                }
                endpoints.cachedCaptures[captures] = nil
                endpoints.cachedCaptures.shrinkIfSparse()
                for i in endpoints.observerHandles.indices {
                    if let handle = endpoints.observerHandles[i].removeValue(forKey: captures) { turn.retract(handle) }
                }
            }
        }
        for edge in node.edges.values {
            guard let sub = Projection.project(value, edge.path), let group = GroupClass(of: sub),
                let child = edge.nodes[group]
            else { continue }
            remove(turn, entry, at: child)
            // A node that holds nothing and serves no observer is dropped.
            if child.cachedAssertions.isEmpty && !child.isActive { edge.nodes[group] = nil }
        }
    }

    /// Delivers a message to every observer whose pattern matches.
    func send(_ turn: Turn, _ message: AnyValue) {
        send(turn, message, at: root)
    }

    private func send(_ turn: Turn, _ message: AnyValue, at node: Node) {
        // By index: `for x in array` copies each element out (a retain and release), a
        // subscript read borrows it. The lists are read in place rather than bound to locals
        // (each local copy is a retain and release of the array): nothing below changes them
        // (`turn.message` only buffers).
        for g in node.leafGroupList.indices {
            guard let leaf = node.leafGroupList[g].leaf(for: message) else { continue }
            for e in leaf.endpointList.indices where leaf.endpointList[e].hasObservers {
                let endpoints = leaf.endpointList[e]
                guard let captures = endpoints.captures(of: message) else { continue }
                let body = AnyValue.sequence(captures)
                for o in endpoints.observerRefs.indices { turn.message(endpoints.observerRefs[o], body) }
            }
        }
        for i in node.edgeList.indices {
            guard let next = node.edgeList[i].activeNode(for: message) else { continue }
            send(turn, message, at: next)
        }
    }

    // MARK: Observers

    /// Files `observer` under `pattern` and tells it about every matching assertion.
    func addObserver(_ turn: Turn, _ pattern: DataspacePatterns.Pattern<Ref>, _ observer: Ref) {
        let analysis = PatternAnalysis(pattern)
        let trail = extend(analysis.moves)
        let node = trail.last?.node ?? root
        let positions = analysis.constantPositions
        let group: LeafGroup
        if let existing = node.leafGroups[positions] {
            group = existing
        } else {
            group = LeafGroup(positions: positions)
            registrationScans += node.cachedAssertions.count
            for entry in node.cachedAssertions {
                if let key = group.key(for: entry.value) { group.assertionsByKey[key, default: []].insert(entry) }
            }
            node.leafGroups[positions] = group
        }
        let constants = group.key(forConstants: analysis.constantValues)
        let leaf: Leaf
        if let existing = group.leaves[constants] {
            leaf = existing
        } else {
            leaf = Leaf()
            group.leaves[constants] = leaf
        }
        let endpoints: Endpoints
        if let existing = leaf.endpoints[analysis.capturePaths] {
            endpoints = existing
        } else {
            endpoints = Endpoints(capturePaths: analysis.capturePaths)
            registrationScans += group.assertionsByKey[constants]?.count ?? 0
            for entry in group.assertionsByKey[constants] ?? [] {
                if let captures = Projection.project(entry.value, analysis.capturePaths) {
                    endpoints.cachedCaptures[captures, default: 0] += 1
                }
            }
            leaf.endpoints[analysis.capturePaths] = endpoints
        }
        let slot = endpoints.slot(adding: observer)
        var handles = endpoints.observerHandles[slot]
        for captures in endpoints.cachedCaptures.keys where handles[captures] == nil {
            handles[captures] = turn.assert(observer, .sequence(captures))
        }
        endpoints.observerHandles[slot] = handles
        updateActivity(trail)
    }

    /// Removes `observer` from `pattern`, retracting everything it was told.
    func removeObserver(_ turn: Turn, _ pattern: DataspacePatterns.Pattern<Ref>, _ observer: Ref) {
        let analysis = PatternAnalysis(pattern)
        guard let trail = find(analysis.moves) else { return }
        let node = trail.last?.node ?? root
        let constants: AnyValue
        guard let group = node.leafGroups[analysis.constantPositions],
            case let key = group.key(forConstants: analysis.constantValues),
            let leaf = group.leaves[key],
            let endpoints = leaf.endpoints[analysis.capturePaths],
            let handles = endpoints.remove(observer)
        else { return }
        constants = key
        for handle in handles.values.sorted() { turn.retract(handle) }
        if !endpoints.hasObservers { leaf.endpoints[analysis.capturePaths] = nil }
        if leaf.endpoints.isEmpty { group.leaves[constants] = nil }
        if group.leaves.isEmpty { node.leafGroups[analysis.constantPositions] = nil }
        updateActivity(trail)
    }

    /// One step down the trie: the parent, the edge taken, and the node reached.
    private typealias Step = (parent: Node, edge: Edge, group: GroupClass, node: Node)

    /// The nodes for a shape, created (their caches partitioned from the parent's) if new.
    private func extend(_ moves: [ShapeMove]) -> [Step] {
        var trail: [Step] = []
        trail.reserveCapacity(moves.count)
        var node = root
        for move in moves {
            let edge: Edge
            if let existing = node.edges[move.path] {
                edge = existing
            } else {
                edge = Edge(path: move.path)
                registrationScans += node.cachedAssertions.count
                for entry in node.cachedAssertions {
                    guard let sub = Projection.project(entry.value, move.path), let group = GroupClass(of: sub) else { continue }
                    if let child = edge.nodes[group] {
                        child.cachedAssertions.insert(entry)
                    } else {
                        let child = Node()
                        child.cachedAssertions.insert(entry)
                        edge.nodes[group] = child
                    }
                }
                node.edges[move.path] = edge
            }
            let next: Node
            if let existing = edge.nodes[move.group] {
                next = existing
            } else {
                next = Node()
                edge.nodes[move.group] = next
            }
            trail.append((node, edge, move.group, next))
            node = next
        }
        return trail
    }

    private func find(_ moves: [ShapeMove]) -> [Step]? {
        var trail: [Step] = []
        var node = root
        for move in moves {
            guard let edge = node.edges[move.path], let next = edge.nodes[move.group] else { return nil }
            trail.append((node, edge, move.group, next))
            node = next
        }
        return trail
    }

    /// Recounts active nodes along `trail`, bottom-up, after an observer came or went; edges
    /// left with no active node are removed (and their nodes with them).
    private func updateActivity(_ trail: [Step]) {
        for step in trail.reversed() {
            let active = step.node.isActive
            if active && !step.node.countedActive {
                step.node.countedActive = true
                step.edge.activeNodes += 1
                step.edge.activityChanged(step.group, step.node, active: true)
            } else if !active && step.node.countedActive {
                step.node.countedActive = false
                step.edge.activeNodes -= 1
                step.edge.activityChanged(step.group, step.node, active: false)
                if step.edge.activeNodes == 0 {
                    step.parent.edges[step.edge.path] = nil
                } else if step.node.cachedAssertions.isEmpty {
                    step.edge.nodes[step.group] = nil
                }
            }
        }
    }
}

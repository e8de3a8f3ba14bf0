import Preserves
/// A dataflow field: a value owned by an actor. Blocks registered with ``Turn/dataflow(_:)``
/// that read the field are re-run, before the turn commits, whenever it changes.
///
/// A field belongs to the actor that created it and is read and written only in its turns.
public final class Field<Value: Equatable> {
    let id: UInt64
    unowned let graph: DataflowGraph
    private var storage: Value

    init(graph: DataflowGraph, initial: Value) {
        self.id = IDs.next()
        self.graph = graph
        self.storage = initial
    }

    /// The current value; reading it inside a dataflow block makes the block depend on it.
    public var value: Value {
        get {
            graph.recordRead(of: id)
            return storage
        }
        set {
            guard newValue != storage else { return }
            storage = newValue
            graph.markDamaged(id)
        }
    }

    /// Changes the value in place and marks the field changed.
    public func update(_ change: (inout Value) -> Void) {
        var copy = storage
        change(&copy)
        value = copy
    }
}

/// The dependency graph between fields and the blocks that read them.
final class DataflowGraph {
    final class Block {
        let facet: FacetID
        let body: (Turn) throws -> Void
        var dependencies: Set<UInt64> = []
        /// The clock reading when the block last started running.
        var lastRun: UInt64 = 0
        init(facet: FacetID, body: @escaping (Turn) throws -> Void) {
            self.facet = facet
            self.body = body
        }
    }

    private var blocks: [ObjectIdentifier: Block] = [:]
    private var readers: [UInt64: Set<ObjectIdentifier>] = [:]
    /// Changed fields, with the clock reading of their latest change.
    private var damaged: [UInt64: UInt64] = [:]
    private var running: Block?
    /// Orders field changes and block runs, so a block that already read a field's new value
    /// is not re-run for that change.
    private var clock: UInt64 = 0

    func recordRead(of field: UInt64) {
        guard let block = running else { return }
        block.dependencies.insert(field)
        readers[field, default: []].insert(ObjectIdentifier(block))
    }

    func markDamaged(_ field: UInt64) {
        clock += 1
        damaged[field] = clock
    }

    func add(_ block: Block, turn: Turn) throws {
        blocks[ObjectIdentifier(block)] = block
        try run(block, turn: turn)
    }

    private func run(_ block: Block, turn: Turn) throws {
        for field in block.dependencies { readers[field]?.remove(ObjectIdentifier(block)) }
        block.dependencies = []
        clock += 1
        block.lastRun = clock
        let saved = running
        running = block
        defer { running = saved }
        try block.body(turn)
    }

    /// Re-runs the blocks that depend on changed fields until nothing changes. Returns
    /// whether any block ran.
    func repair(_ turn: Turn) throws -> Bool {
        var ran = false
        while !damaged.isEmpty {
            let fields = damaged
            damaged = [:]
            var toRun: [Block] = []
            var seen = Set<ObjectIdentifier>()
            for (field, changedAt) in fields.sorted(by: { $0.key < $1.key }) {
                for id in readers[field] ?? [] where !seen.contains(id) {
                    if let block = blocks[id], block.lastRun < changedAt {
                        seen.insert(id)
                        toRun.append(block)
                    }
                }
            }
            for block in toRun {
                guard let facet = turn.actor.liveFacet(block.facet) else {
                    blocks[ObjectIdentifier(block)] = nil
                    continue
                }
                let saved = turn.facet
                turn.facet = facet
                defer { turn.facet = saved }
                try run(block, turn: turn)
                ran = true
            }
        }
        return ran
    }

    func removeBlocks(of facet: FacetID) {
        for (id, block) in blocks where block.facet == facet {
            for field in block.dependencies { readers[field]?.remove(id) }
            blocks[id] = nil
        }
    }

    func removeAll() {
        blocks = [:]
        readers = [:]
        damaged = [:]
    }
}

extension Turn {
    /// A new dataflow field holding `initial`.
    public func field<Value: Equatable>(_ initial: Value) -> Field<Value> {
        Field(graph: actor.dataflow, initial: initial)
    }

    /// Runs `block` now and again, before commit, whenever a field it read changes; the block
    /// belongs to the current facet and ends with it.
    public func dataflow(_ block: @escaping (Turn) throws -> Void) throws {
        try actor.dataflow.add(DataflowGraph.Block(facet: facet.id, body: block), turn: self)
    }
}

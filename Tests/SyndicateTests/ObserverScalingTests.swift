import Preserves
@testable import Syndicate
import SyndicateProtocols
import Testing

/// Filing an observer costs in proportion to what it matches, not to what the dataspace
/// holds (once 20k distinct `Observe`s from one peer took 12.5 s), and the index shrinks back
/// when observers leave.
@Suite struct ObserverScalingTests {
    @Test func registrationDoesNotRescanTheDataspace() async throws {
        let n = 5_000
        let dataspace = Box<IndexProbe>()
        let (_, ds) = try await entityActor("dataspace") {
            let entity = DataspaceEntity()
            dataspace.set(IndexProbe(entity: entity))
            return entity
        }
        let probe = try await dataspace.get()
        let index = probe.entity.index
        let filed = Box<FacetID>()
        let observers = SyndicateActor.boot(name: "observers") { turn in
            // Unrelated assertions already present, which a naive index rescans per observer.
            for i in 0..<n { turn.assert(ds, .record("Other", .integer(i))) }
            let sink = turn.ref(InertEntity())
            let inner = turn.facet { turn in
                for i in 0..<n { turn.observe(ds, Pattern.rec(Symbol("Label\(i)"), Pattern.bind()), sink) }
                for i in 0..<n { turn.observe(ds, Pattern.rec("Same", Pattern.lit(.integer(i)), Pattern.bind()), sink) }
                for i in 0..<n { turn.observe(ds, Pattern.dict([.integer(i): Pattern.lit(.integer(i))]), sink) }
            }
            turn.sync(ds) { _ in filed.set(inner) }
        }
        let inner = try await filed.get(timeout: .seconds(60))
        let scans = index.registrationScans
        // Each new edge partitions what its node holds once: a few passes over the 5k
        // `Other`s and the 15k `Observe`s, not one per observer.
        #expect(scans < 20 * n, "\(scans) cached assertions examined to file \(3 * n) observers")
        #expect(index.nodeCount > 3)

        // The observers leave; the unrelated assertions stay.
        let emptied = Box<(Int, Int)>()
        observers.run { turn in
            turn.stop(inner)
            turn.sync(ds) { _ in emptied.set((probe.entity.index.assertionCount, probe.entity.index.nodeCount)) }
        }
        let (assertions, nodes) = try await emptied.get(timeout: .seconds(60))
        #expect(assertions == n)
        #expect(nodes == 1, "the trie keeps \(nodes) nodes after every observer left")
    }
}

/// Lets the test read the dataspace's index once the dataspace is quiet (after a `sync`).
struct IndexProbe: @unchecked Sendable {
    let entity: DataspaceEntity
}

import Preserves
import Syndicate
import SyndicateProtocols
import Testing
import TestSupport

@Suite struct DataspaceTests {
    @Test func duringRunsPerAssertionAndStopsOnRetraction() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        SyndicateActor.boot(name: "observer") { turn in
            turn.during(ds, Pattern.rec("Present", Pattern.bind())) { turn, captures in
                recorder.add("+\(captures[0])")
                // What the handler asserts lives only as long as the triggering assertion.
                turn.assert(ds, .record("Greeting", captures[0]))
                turn.onStop { _ in recorder.add("-\(captures[0])") }
            }
            turn.during(ds, Pattern.rec("Greeting", Pattern.bind())) { turn, captures in
                recorder.add("greet \(captures[0])")
                turn.onStop { _ in recorder.add("ungreet \(captures[0])") }
            }
        }
        SyndicateActor.boot(name: "alice") { turn in
            let h = turn.assert(ds, .record("Present", "alice"))
            turn.after(.milliseconds(30)) { $0.retract(h) }
        }
        #expect(await recorder.wait { $0.contains("ungreet \"alice\"") })
        let log = recorder.snapshot
        #expect(log.contains("+\"alice\"") && log.contains("-\"alice\"") && log.contains("greet \"alice\""))
        let arrived = try #require(log.firstIndex(of: "+\"alice\""))
        let left = try #require(log.firstIndex(of: "-\"alice\""))
        #expect(arrived < left)
    }

    /// A dataspace and an observer of it in the same actor keep each other alive: the dataspace
    /// holds the Observe assertion, whose observer entity holds the handler, which holds the
    /// dataspace's ref. When the actor ends, its retractions must still reach its own dataspace
    /// so that the cycle is broken (a config script doing this leaked, found by fuzz-script).
    @Test(arguments: ["stopActor", "error"])
    func aTerminatedActorsOwnDataspaceLetsGoOfItsObserver(ending: String) async throws {
        let dataspace = WeakReference()
        let seen = Recorder()
        let actor = SyndicateActor.boot(name: "self-observing") { turn in
            let entity = DataspaceEntity()
            dataspace.set(entity)
            let ds = turn.ref(entity)
            turn.during(ds, Pattern.rec("P", Pattern.bind())) { turn, captures in
                turn.assert(ds, .record("Seen", captures[0]))
                seen.add("\(captures[0])")
            }
            turn.assert(ds, .record("P", 1))
        }
        #expect(await seen.wait { $0 == ["1"] })
        actor.run { turn in
            if ending == "error" { throw EndingError() }
            turn.stopActor()
        }
        _ = await actor.terminated()
        #expect(await dataspace.waitUntilGone(), "the dataspace entity is still alive after its actor ended")
    }

    /// A stop action that holds a ref to an entity of its own facet (a config script's `?-`
    /// body naming a `facet` it made) must not keep the stopped facet and the entity alive:
    /// the entity's `Underlying` holds the facet, which held its stop actions.
    @Test func aStoppedFacetLetsGoOfItsStopActions() async throws {
        let entity = WeakReference()
        let facetID = Box<FacetID>()
        let actor = SyndicateActor.boot(name: "holder") { turn in
            _ = turn.preventInertCheck()
            facetID.set(turn.facet { turn in
                let recorder = RecordingEntity("e", Recorder())
                entity.set(recorder)
                let ref = turn.ref(recorder)
                _ = turn.preventInertCheck()
                turn.onStop { _ in withExtendedLifetime(ref) {} }
            })
        }
        let id = try await facetID.get()
        actor.run { $0.stop(id) }
        #expect(await entity.waitUntilGone(), "the stopped facet's entity is still alive")
        #expect(actor.exitStatus == nil, "only the facet stopped, not its actor")
    }

    @Test func duplicateAssertionsAreCounted() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        let (_, observer) = try await entityActor("observer") { RecordingEntity("o", recorder) }
        let ready = Box<Bool>()
        SyndicateActor.boot(name: "watch") { turn in
            turn.observe(ds, Pattern.rec("Present", Pattern.bind()), observer)
            turn.sync(ds) { _ in ready.set(true) }
        }
        _ = try await ready.get()
        let first = Box<Handle>()
        let a = SyndicateActor.boot(name: "a") { turn in first.set(turn.assert(ds, .record("Present", "bob"))) }
        let bHandle = Box<Handle>()
        let b = SyndicateActor.boot(name: "b") { turn in bHandle.set(turn.assert(ds, .record("Present", "bob"))) }
        #expect(await recorder.wait { $0.contains("assert o [\"bob\"]") })
        let h1 = try await first.get()
        _ = try await bHandle.get()
        let synced = Box<Bool>()
        a.run { turn in
            turn.retract(h1)
            turn.sync(ds) { _ in synced.set(true) }
        }
        _ = try await synced.get()
        try await Task.sleep(for: .milliseconds(20))
        #expect(recorder.snapshot == ["assert o [\"bob\"]"], "the first retraction must not be seen")
        b.run { $0.stopActor() }
        #expect(await recorder.wait { $0.contains("retract o [\"bob\"]") })
        #expect(recorder.snapshot.count == 2)
    }

    @Test func lateObserversSeeExistingAssertionsAndLoseThemWhenTheyLeave() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        let asserted = Box<Bool>()
        SyndicateActor.boot(name: "asserter") { turn in
            for name in ["x", "y", "z"] { turn.assert(ds, .record("Item", .string(name), 1)) }
            turn.assert(ds, .record("Other", "w"))
            turn.sync(ds) { _ in asserted.set(true) }
        }
        _ = try await asserted.get()
        let (_, observer) = try await entityActor("late") { RecordingEntity("late", recorder) }
        let observation = Box<Handle>()
        let watcher = SyndicateActor.boot(name: "watcher") { turn in
            observation.set(turn.observe(ds, Pattern.rec("Item", Pattern.bind(), Pattern.lit(1)), observer))
        }
        #expect(await recorder.wait(forCount: 3))
        #expect(Set(recorder.snapshot) == ["assert late [\"x\"]", "assert late [\"y\"]", "assert late [\"z\"]"])
        let h = try await observation.get()
        watcher.run { $0.retract(h) }
        #expect(await recorder.wait(forCount: 6))
        #expect(recorder.snapshot.filter { $0.hasPrefix("retract late") }.count == 3)
    }

    @Test func messagesReachMatchingObserversOnly() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        let ready = Box<Bool>()
        SyndicateActor.boot(name: "listeners") { turn in
            turn.onMessage(ds, Pattern.rec("Says", Pattern.lit("alice"), Pattern.bind())) { _, c in recorder.add("alice-only \(c[0])") }
            turn.onMessage(ds, Pattern.rec("Says", Pattern.bind(), Pattern.bind())) { _, c in recorder.add("all \(c[0]) \(c[1])") }
            turn.sync(ds) { _ in ready.set(true) }
        }
        _ = try await ready.get()
        SyndicateActor.boot(name: "talker") { turn in
            turn.message(ds, .record("Says", "alice", "hi"))
            turn.message(ds, .record("Says", "bob", "yo"))
            turn.message(ds, .record("Says", "carol"))  // too few fields for either pattern
        }
        #expect(await recorder.wait(forCount: 3))
        try await Task.sleep(for: .milliseconds(20))
        #expect(Set(recorder.snapshot) == ["alice-only \"hi\"", "all \"alice\" \"hi\"", "all \"bob\" \"yo\""])
    }

    /// Messages find observers among many record labels at one position (more than the index
    /// compares one by one), and stop reaching those that left while the others still hear.
    @Test func messagesFollowObserversOfManyLabelsAsTheyComeAndGo() async throws {
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        let labels = (0..<9).map { Symbol("L\($0)") }
        let ready = Box<FacetID>()
        let listeners = SyndicateActor.boot(name: "listeners") { turn in
            // A lasting observer of L0 beside a facet of observers of every label.
            turn.onMessage(ds, Pattern.rec(labels[0], Pattern.bind())) { _, c in recorder.add("kept L0 \(c[0])") }
            let passing = turn.facet { turn in
                for label in labels {
                    turn.onMessage(ds, Pattern.rec(label, Pattern.bind())) { _, c in recorder.add("passing \(label.name) \(c[0])") }
                }
            }
            turn.sync(ds) { _ in ready.set(passing) }
        }
        let passing = try await ready.get()
        let talker = SyndicateActor.boot(name: "talker") { turn in
            for label in labels { turn.message(ds, .record(Record(label: .symbol(label), fields: [1]))) }
        }
        #expect(await recorder.wait(forCount: labels.count + 1))
        let left = Box<Bool>()
        listeners.run { turn in
            turn.stop(passing)
            turn.sync(ds) { _ in left.set(true) }
        }
        _ = try await left.get()
        talker.run { turn in
            for label in labels { turn.message(ds, .record(Record(label: .symbol(label), fields: [2]))) }
        }
        #expect(await recorder.wait(forCount: labels.count + 2))
        try await Task.sleep(for: .milliseconds(20))
        let expected = Set(labels.map { "passing \($0.name) 1" } + ["kept L0 1", "kept L0 2"])
        #expect(Set(recorder.snapshot) == expected)
        #expect(recorder.snapshot.count == expected.count)
    }

    /// Many observers with overlapping patterns (shared shapes, differing constants, nested
    /// groups, captures at every depth) against a stream of assertions and retractions: each
    /// observer must end up holding exactly what a naive matcher says it should.
    @Test func manyOverlappingObserversAgreeWithANaiveMatcher() async throws {
        var rng = SplitMix64(seed: 42)
        let labels: [Symbol] = ["a", "b", "c"]
        let atoms: [AnyValue] = [1, 2, "x", "y", .symbol("s")]
        func randomValue(_ depth: Int) -> AnyValue {
            switch Int.random(in: 0..<(depth > 2 ? 1 : 4), using: &rng) {
            case 0: return atoms.randomElement(using: &rng)!
            case 1, 2:
                return .record(Record(label: .symbol(labels.randomElement(using: &rng)!),
                                      fields: (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(depth + 1) }))
            default:
                return .sequence((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(depth + 1) })
            }
        }
        func randomPattern(_ depth: Int) -> Pattern {
            switch Int.random(in: 0..<(depth > 2 ? 3 : 6), using: &rng) {
            case 0: return Pattern.discard
            case 1: return Pattern.bind()
            case 2: return Pattern.lit(atoms.randomElement(using: &rng)!)
            case 3: return Pattern.bind(randomPattern(depth + 1))
            case 4:
                return Pattern.rec(label: .symbol(labels.randomElement(using: &rng)!),
                             (0..<Int.random(in: 0...2, using: &rng)).map { _ in randomPattern(depth + 1) })
            default:
                return .group(type: .arr, entries: Dictionary(uniqueKeysWithValues:
                    (0..<Int.random(in: 0...2, using: &rng)).map { (AnyValue.integer($0), randomPattern(depth + 1)) }))
            }
        }
        let patterns = (0..<120).map { i -> Pattern in i % 3 == 0 ? Pattern.rec(label: .symbol(labels[i % 3]), [Pattern.bind()]) : randomPattern(0) }
        let values = (0..<150).map { _ in randomValue(0) }
        let recorder = Recorder()
        let (_, ds) = try await dataspaceActor()
        var observers: [Ref] = []
        for i in patterns.indices {
            let (_, o) = try await entityActor("o\(i)") { RecordingEntity("\(i)", recorder) }
            observers.append(o)
        }
        let done = Box<Bool>()
        let retracted = Set(values.indices.filter { $0 % 4 == 0 })
        SyndicateActor.boot(name: "driver") { [observers] turn in
            // Half the values before the observers arrive, half after; some retracted at the end.
            var handles: [Int: Handle] = [:]
            for i in values.indices where i % 2 == 0 { handles[i] = turn.assert(ds, values[i]) }
            for (p, o) in zip(patterns, observers) { turn.observe(ds, p, o) }
            turn.later { turn in
                for i in values.indices where i % 2 == 1 { handles[i] = turn.assert(ds, values[i]) }
                turn.later { turn in
                    for i in retracted { if let h = handles[i] { turn.retract(h) } }
                    turn.sync(ds) { turn in
                        // Observers are in other actors: sync with each after the dataspace.
                        var pending = observers.count
                        for o in observers {
                            turn.sync(o) { _ in
                                pending -= 1
                                if pending == 0 { done.set(true) }
                            }
                        }
                    }
                }
            }
        }
        _ = try await done.get(timeout: .seconds(30))
        // What each observer holds now: asserted minus retracted capture tuples (as a bag).
        var held: [String: [String: Int]] = [:]
        for line in recorder.snapshot {
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            held[parts[1], default: [:]][parts[2], default: 0] += parts[0] == "assert" ? 1 : -1
        }
        var matched = 0
        for (i, pattern) in patterns.enumerated() {
            var expected = Set<String>()
            // The Observe assertions are in the dataspace too, and wildcards see them.
            let present = values.enumerated().filter { !retracted.contains($0.offset) }.map(\.element)
                + zip(patterns, observers).map { Dataspace.Observe(pattern: $0, observer: $1).preserves }
            for v in present {
                if let captures = NaiveMatcher.match(pattern, v) { expected.insert("\(AnyValue.sequence(captures))") }
            }
            let actual = Set((held["\(i)"] ?? [:]).filter { $0.value > 0 }.keys)
            #expect(actual == expected, "observer \(i) with pattern \(pattern.preserves)")
            #expect((held["\(i)"] ?? [:]).values.allSatisfy { $0 == 0 || $0 == 1 }, "observer \(i) saw a capture twice")
            matched += expected.count
        }
        #expect(matched > 50, "the random data should exercise many matches")
    }
}

/// Direct interpretation of dataspace patterns, for checking the index.
enum NaiveMatcher {
    static func match(_ pattern: Pattern, _ value: AnyValue) -> [AnyValue]? {
        var captures: [AnyValue] = []
        return go(pattern, value, &captures) ? captures : nil
    }

    static func go(_ pattern: Pattern, _ value: AnyValue, _ captures: inout [AnyValue]) -> Bool {
        switch pattern {
        case .discard: return true
        case .bind(let p):
            captures.append(value)
            return go(p, value, &captures)
        case .lit(let atom): return atom.preserves == value
        case .group(let type, let entries):
            let items: [AnyValue]
            switch (type, value) {
            case (.rec(let label), .record(let r)) where r.label == label: items = Array(r.fields)
            case (.arr, .sequence(let s)): items = s
            default: return false
            }
            for (k, p) in entries.sorted(by: { $0.key < $1.key }) {
                guard let i = k.int, i < items.count, go(p, items[i], &captures) else { return false }
            }
            return true
        }
    }
}


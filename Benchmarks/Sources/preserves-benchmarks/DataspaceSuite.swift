import Dispatch
import Foundation
import Preserves
import Synchronization
import Syndicate

/// Message routing in the Syndicate runtime:
/// 1. messages through a dataspace to one matching observer, against the same messages sent
///    straight from one actor to another (target: at most 2× the plain hop, issue 13);
/// 2. the same dataspace with 10,000 more observers whose literal patterns do not match
///    (target: at most 1.2× the cost with none).
struct DataspaceSuite: BenchmarkSuite {
    var name: String { "dataspace" }
    var summary: String { "dataspace routing vs a plain actor hop (≤ 2×); with 10,000 non-matching observers (≤ 1.2×)" }

    static let routingTarget = 2.0
    static let observersTarget = 1.2

    /// Counts messages and wakes the benchmark when the expected number has arrived.
    final class Counter: Sendable {
        private let state = Mutex<(count: Int, target: Int)>((0, Int.max))
        private let done = DispatchSemaphore(value: 0)

        func expect(_ n: Int) { state.withLock { $0.target = $0.count + n } }
        func hit() {
            let reached = state.withLock { s -> Bool in
                s.count += 1
                return s.count == s.target
            }
            if reached { done.signal() }
        }
        func wait() { done.wait() }
    }

    final class CountingEntity: Entity {
        let counter: Counter
        init(_ counter: Counter) { self.counter = counter }
        func onMessage(_ turn: Turn, _ value: AnyValue) throws { counter.hit() }
    }

    /// Wires up actors, returning the ref to send to and the counter to wait on.
    static func setUp(viaDataspace: Bool, extraObservers: Int) throws -> (Ref, Counter) {
        let counter = Counter()
        let ready = DispatchSemaphore(value: 0)
        let result = Mutex<Ref?>(nil)
        SyndicateActor.boot(name: "consumer") { turn in
            let consumer = turn.ref(CountingEntity(counter))
            guard viaDataspace else {
                result.withLock { $0 = consumer }
                ready.signal()
                return
            }
            turn.spawn(name: "dataspace") { turn in
                let ds = turn.createDataspace()
                turn.observe(ds, Pattern.rec("Says", Pattern.lit("producer"), Pattern.bind()), consumer)
                let idle = turn.ref(CountingEntity(Counter()))
                for i in 0..<extraObservers {
                    turn.observe(ds, Pattern.rec("Says", Pattern.lit(.string("nobody-\(i)")), Pattern.bind()), idle)
                }
                result.withLock { $0 = ds }
                ready.signal()
            }
        }
        ready.wait()
        return (result.withLock { $0! }, counter)
    }

    func run(options: BenchmarkOptions) throws -> Bool {
        let perTurn = 100
        let turns = options.quick ? 10 : 100
        let total = perTurn * turns
        let message: AnyValue = .record("Says", "producer", .byteString(Array(repeating: 7, count: 32)))
        let producer = SyndicateActor.boot(name: "producer") { _ in }

        func operation(_ target: Ref, _ counter: Counter) -> () throws -> Void {
            {
                counter.expect(total)
                for _ in 0..<turns {
                    producer.run { turn in
                        for _ in 0..<perTurn { turn.message(target, message) }
                    }
                }
                counter.wait()
            }
        }
        // For instruction counts (callgrind): DATASPACE_PATH=plain|dataspace|crowded runs only
        // that path, DATASPACE_REPEAT times (default 20), with no timing, and reports nothing else.
        if let only = ProcessInfo.processInfo.environment["DATASPACE_PATH"] {
            let repeats = Int(ProcessInfo.processInfo.environment["DATASPACE_REPEAT"] ?? "") ?? 20
            let (target, counter) = try Self.setUp(
                viaDataspace: only != "plain", extraObservers: only == "crowded" ? (options.quick ? 1_000 : 10_000) : 0)
            let run = operation(target, counter)
            for _ in 0..<repeats { try run() }
            print("\(only): \(repeats * total) messages")
            return true
        }
        let (direct, directCounter) = try Self.setUp(viaDataspace: false, extraObservers: 0)
        let (ds, dsCounter) = try Self.setUp(viaDataspace: true, extraObservers: 0)
        let (crowded, crowdedCounter) = try Self.setUp(viaDataspace: true, extraObservers: options.quick ? 1_000 : 10_000)
        let m = try measureInterleaved([
            ("plain actor → actor", operation(direct, directCounter)),
            ("actor → dataspace → observer", operation(ds, dsCounter)),
            ("same, with 10,000 non-matching observers", operation(crowded, crowdedCounter)),
        ], options: options)
        let perMessage = m.map { $0.median / Double(total) }
        let routing = perMessage[1] / perMessage[0]
        let crowding = perMessage[2] / perMessage[1]
        var table = TextTable(headers: ["path", "messages/s", "ns/message", "ratio", "target"], leftAligned: 1)
        table.add([m[0].label, formatRate(1 / perMessage[0]), String(format: "%.0f", perMessage[0] * 1e9), "1.00× (baseline)", ""])
        table.add([m[1].label, formatRate(1 / perMessage[1]), String(format: "%.0f", perMessage[1] * 1e9),
                   String(format: "%.2f× plain", routing), routing <= Self.routingTarget ? "≤ 2×: yes" : "≤ 2×: NO"])
        table.add([m[2].label, formatRate(1 / perMessage[2]), String(format: "%.0f", perMessage[2] * 1e9),
                   String(format: "%.2f× no extra observers", crowding), crowding <= Self.observersTarget ? "≤ 1.2×: yes" : "≤ 1.2×: NO"])
        print(table.render())
        print("(\(total) messages per sample, \(perTurn) per producer turn; every message reaches its consumer actor before a sample ends)")
        return routing <= Self.routingTarget && crowding <= Self.observersTarget
    }
}

import Preserves
import Syndicate

/// `state-producer`: asserts `<Present pid>` and retracts it again, turn after turn
/// (assertion churn), paced by `sync` like ``ProducerProgram``.
public enum StateProducerProgram {
    public static func run(_ turn: Turn, ds: Ref, pid: Int, window: Int = 4) {
        func cycle(_ turn: Turn) {
            let handle = turn.assert(ds, Examples.Present<Ref>(who: .integer(SignedInteger(pid))))
            turn.sync(ds) { turn in
                turn.retract(handle)
                turn.sync(ds) { turn in cycle(turn) }
            }
        }
        for i in 0..<max(1, window) {
            _ = i
            cycle(turn)
        }
    }
}

/// `state-consumer`: observes `<Present _>` and reports, every second, the events, arrivals,
/// departures and current occupancy.
public enum StateConsumerProgram {
    public struct Report: Sendable {
        public var events = 0
        public var arrivals = 0
        public var departures = 0
        public var present = 0
    }

    public static func run(_ turn: Turn, ds: Ref, report: @escaping (Report) -> Void) {
        var current = Report()
        turn.during(ds, Examples.Present<Ref>.pattern()) { turn, _ in
            current.events += 1
            current.arrivals += 1
            current.present += 1
            turn.onStop { _ in
                current.events += 1
                current.departures += 1
                current.present -= 1
            }
        }
        turn.every(.seconds(1)) { _ in
            report(current)
            current.events = 0
            current.arrivals = 0
            current.departures = 0
        }
    }
}

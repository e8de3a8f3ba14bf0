import Foundation
import Preserves
import Syndicate

/// `pingpong pong`: answers every `<Ping ns pad>` message with `<Pong ns pad>`.
public enum PongProgram {
    public static func run(_ turn: Turn, ds: Ref) {
        turn.onMessage(ds, Examples.Ping.pattern()) { turn, ping in
            turn.message(ds, Examples.Pong(sentAt: ping.sentAt, padding: ping.padding))
        }
    }
}

/// `pingpong ping`: sends `turns` × `messagesPerTurn` `<Ping now pad>` messages and keeps the
/// exchange going, measuring round trips.
///
/// With `reportEvery` 0 every `<Pong>` is answered with a fresh `<Ping>` (free-running). With
/// `reportEvery` N, each turn of `<Pong>`s yields one round-trip sample and one fresh `<Ping>`;
/// after N samples the percentiles are reported (in milliseconds) and collection restarts.
public enum PingProgram {
    /// Round-trip percentiles in milliseconds.
    public struct Percentiles: Sendable, CustomStringConvertible {
        public let samples: Int
        public let p0, p50, p90, p95, p99, p999, p9999, max: Double

        init(sorted: [Double]) {
            func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
            samples = sorted.count
            p0 = sorted[0]; p50 = at(0.5); p90 = at(0.9); p95 = at(0.95); p99 = at(0.99)
            p999 = at(0.999); p9999 = at(0.9999); max = sorted[sorted.count - 1]
        }

        public var description: String {
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            return "rtt: 0% \(f(p0)) 50% \(f(p50)) 90% \(f(p90)) 95% \(f(p95)) 99% \(f(p99)) 99.9% \(f(p999)) 99.99% \(f(p9999)) max \(f(max)) ms"
                + "  msg: 50% \(f(p50 / 2)) ms"
        }
    }

    public static func run(
        _ turn: Turn, ds: Ref, turns: Int, messagesPerTurn: Int, reportEvery: Int, padding: Int,
        report: @escaping (Percentiles) -> Void, tick: ((Int, Int) -> Void)? = nil
    ) {
        let pad = [UInt8](repeating: 0, count: padding)
        var samples: [Double] = []
        var turnsThisSecond = 0
        var eventsThisSecond = 0
        var sampledThisTurn = false
        turn.onMessage(ds, Examples.Pong.pattern()) { turn, pong in
            eventsThisSecond += 1
            if reportEvery == 0 {
                turn.message(ds, freshPing(padding: pad))
                return
            }
            guard !sampledThisTurn else { return }
            sampledThisTurn = true
            turnsThisSecond += 1
            if let sent = pong.sentAt.exactly(UInt64.self) {
                samples.append(Double(wallClockNanoseconds() &- sent) / 1e6)
            }
            if samples.count >= reportEvery {
                report(Percentiles(sorted: samples.sorted()))
                samples.removeAll(keepingCapacity: true)
            }
            // One fresh ping per turn, once the turn's events are all in.
            turn.preCommit { turn in
                sampledThisTurn = false
                turn.message(ds, freshPing(padding: pad))
            }
        }
        for _ in 0..<max(1, turns) {
            turn.later { turn in
                for _ in 0..<max(1, messagesPerTurn) {
                    turn.message(ds, freshPing(padding: pad))
                }
            }
        }
        if let tick {
            turn.every(.seconds(1)) { _ in
                tick(turnsThisSecond, eventsThisSecond)
                turnsThisSecond = 0
                eventsThisSecond = 0
            }
        }
    }
}

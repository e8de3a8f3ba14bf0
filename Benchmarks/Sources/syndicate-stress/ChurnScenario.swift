import Foundation
import Preserves
import Syndicate

/// 1,000 sessions held open, then rounds of 200 sessions that connect, resolve, assert
/// something or send a Nop, and close, over raw TCP and then over WebSocket. The broker's RSS
/// after each round (and a short settle) must not drift.
struct ChurnScenario: Scenario {
    var name: String { "churn" }
    var summary: String { "1,000 held sessions, then rounds of 200 sessions connecting and closing (TCP, WebSocket): RSS drift per round" }

    func run(_ context: StressContext) throws -> [Figure] {
        let held = 1000
        let perRound = 200
        let rounds = context.pick(quick: 15, full: 30)
        let warmUp = context.pick(quick: 3, full: 5)
        let settle = context.pick(quick: 0.5, full: 1.0)

        let broker = try Broker()
        defer { broker.stop() }
        Thread.sleep(forTimeInterval: 1)
        let baseline = broker.residentMiB

        // The sessions held throughout.
        let (holders, holdFailures) = Self.open(.tcp, port: broker.port, count: held)
        for (i, session) in holders.enumerated() {
            session.peer.send(Wire.turn(oid: session.ds, Wire.assert(.record("Held", .integer(i)), handle: 2)))
        }
        var syncFailures = 0
        for session in holders {
            session.peer.send(Wire.turn(oid: session.ds, Wire.sync(peer: 5)))
        }
        for session in holders {
            if (try? session.peer.expect("sync", timeout: 10, { Wire.hasMessage($0, to: 5) })) == nil { syncFailures += 1 }
        }
        Thread.sleep(forTimeInterval: settle)
        let withHeld = broker.residentMiB
        context.log("\(holders.count) sessions held (\(holdFailures.count + syncFailures) failed): RSS \(f1(baseline)) → \(f1(withHeld)) MiB, \(f1((withHeld - baseline) * 1024 / Double(max(1, holders.count)))) KiB each")

        var figures: [Figure] = [
            .info(name, "RSS with \(held) held sessions", "\(f1(withHeld)) MiB (\(signed(withHeld - baseline)) MiB over idle, \(f1((withHeld - baseline) * 1024 / Double(max(1, holders.count)))) KiB each)"),
        ]
        var failures = holdFailures.count + syncFailures
        var firstFailure = holdFailures.first
        for transport in [Peer.Transport.tcp, .webSocket] {
            var series: [Double] = []
            let start = Date()
            for round in 0..<rounds {
                let (sessions, roundFailures) = Self.open(transport, port: broker.port, count: perRound)
                failures += roundFailures.count
                if firstFailure == nil { firstFailure = roundFailures.first }
                for (i, session) in sessions.enumerated() {
                    if i % 2 == 0 {
                        session.peer.send(Wire.turn(oid: session.ds, Wire.assert(.record("Churn", .integer(round), .integer(i)), handle: 2)))
                    } else {
                        session.peer.send(Wire.nop)
                    }
                }
                for session in sessions { session.peer.close() }
                Thread.sleep(forTimeInterval: settle)
                series.append(broker.residentMiB)
                guard broker.isAlive else { break }
            }
            guard broker.isAlive else {
                figures.append(Figure(scenario: name, measure: "broker alive", value: "died during \(transport.rawValue) churn: \(broker.deathReport())", target: "alive", passed: false))
                return figures
            }
            let fitted = series.enumerated().dropFirst(warmUp).map { (x: Double($0.offset), y: $0.element) }
            let slope = Stats.robustSlope(fitted)
            context.log("\(transport.rawValue) churn, \(rounds) rounds of \(perRound) in \(f1(Date().timeIntervalSince(start))) s; RSS after each (MiB): "
                + series.map(f1).joined(separator: " "))
            context.log("  slope over rounds \(warmUp + 1)…\(rounds): \(f3(slope)) MiB/round (Theil–Sen; least squares \(f3(Stats.slope(fitted))))")
            figures.append(Figure(scenario: name, measure: "\(transport.rawValue) churn: RSS drift per \(perRound) sessions",
                                  value: "\(f3(slope)) MiB/round (\(f1(series.first ?? 0)) → \(f1(series.last ?? 0)) MiB over \(rounds) rounds)",
                                  target: "< 0.1 MiB/round", passed: slope < 0.1))
        }
        figures.append(.info(name, "sessions that failed to open", failures == 0 ? "0" : "\(failures) (first: \(firstFailure ?? "?"))"))
        withExtendedLifetime(holders) {}
        return figures
    }

    struct Session {
        var peer: Peer
        var ds: Int
    }

    /// Opens `count` sessions at once: every connection is made and sends its first request
    /// before any answer is awaited. Returns the sessions that resolved and the failures.
    static func open(_ transport: Peer.Transport, port: Int, count: Int, timeout: TimeInterval = 10) -> ([Session], [String]) {
        var failures: [String] = []
        var started: [Peer] = []
        for _ in 0..<count {
            do {
                let peer = transport == .tcp ? try Peer.tcp(port: port) : try Peer.startWebSocket(port: port)
                if transport == .tcp { peer.send(Wire.resolve()) }
                started.append(peer)
            } catch {
                failures.append("\(error)")
            }
        }
        if transport == .webSocket {
            started = started.filter { peer in
                do {
                    try peer.finishWebSocketHandshake(timeout: timeout)
                    peer.send(Wire.resolve())
                    return true
                } catch {
                    failures.append("\(error)")
                    return false
                }
            }
        }
        var sessions: [Session] = []
        for peer in started {
            do {
                sessions.append(Session(peer: peer, ds: try peer.awaitAccepted(timeout: timeout)))
            } catch {
                failures.append("\(error)")
            }
        }
        return (sessions, failures)
    }
}

import BenchmarkSupport
import Foundation
import Preserves
import Syndicate

/// The broker runs out of file descriptors (`ulimit -n 256`): it must not spin on a failing
/// accept, must say so on stderr, and must serve new clients once descriptors are free again.
struct FdExhaustionScenario: Scenario {
    var name: String { "fd" }
    var summary: String { "the broker under `ulimit -n 256`, connected to until accepts fail: CPU while exhausted, a warning, recovery" }

    func run(_ context: StressContext) throws -> [Figure] {
        let limit = 256
        let broker = try Broker(fdLimit: limit)
        defer { broker.stop() }
        let mark = broker.process.errorLineCount
        let dead = { [Figure(scenario: name, measure: "broker alive", value: "died: \(broker.deathReport())", target: "alive", passed: false)] }

        // Connect until connections go unanswered.
        var served: [Peer] = []
        var unserved: [Peer] = []
        var refused = 0
        let deadline = Date(timeIntervalSinceNow: 60)
        while served.count + unserved.count < 2 * limit && unserved.count < 3 && refused < 3 && Date() < deadline {
            do {
                let peer = try Peer.tcp(port: broker.port, timeout: 2)
                if (try? peer.resolve(timeout: served.isEmpty ? 5 : 1)) != nil { served.append(peer) } else { unserved.append(peer) }
            } catch {
                refused += 1
            }
            guard broker.isAlive else { return dead() }
        }
        context.log("\(served.count) sessions served under `ulimit -n \(limit)`, then \(unserved.count) connections unanswered and \(refused) refused")

        // While exhausted: no spinning.
        Thread.sleep(forTimeInterval: 0.5)
        let cpu0 = broker.cpuSeconds
        let t0 = Date()
        Thread.sleep(forTimeInterval: 2)
        let cpuRate = (broker.cpuSeconds - cpu0) / Date().timeIntervalSince(t0)
        guard broker.isAlive else { return dead() }
        let warnings = broker.warnings(since: mark)
        context.log("while exhausted: \(f3(cpuRate)) CPU-s/s; \(warnings.count) warning lines" + (warnings.first.map { ", first: \($0.suffix(160))" } ?? ""))

        // Free half of the served sessions' descriptors; a newcomer must be served.
        let half = served.count / 2
        for peer in served.prefix(half) { peer.close() }
        served.removeFirst(half)
        let start = Date()
        var recovery: Double?
        var recoveryError = ""
        while recovery == nil && Date().timeIntervalSince(start) < 10 {
            do {
                let peer = try Peer.tcp(port: broker.port, timeout: 2)
                _ = try peer.resolve(timeout: 10 - Date().timeIntervalSince(start))
                recovery = Date().timeIntervalSince(start)
            } catch {
                recoveryError = "\(error)"
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        context.log("after closing \(half): a new client was " + (recovery.map { "served in \(f3($0)) s" } ?? "not served in 10 s (\(recoveryError))"))
        withExtendedLifetime((served, unserved)) {}
        let exhausted = unserved.count + refused > 0
        return [
            .info(name, "sessions served before accepts failed", "\(served.count + half) (limit \(limit) descriptors)" + (exhausted ? "" : "; NOT exhausted")),
            Figure(scenario: name, measure: "CPU while out of descriptors", value: "\(f3(cpuRate)) CPU-s/s over 2 s",
                   target: "< 0.2 CPU-s/s", passed: exhausted && cpuRate < 0.2),
            Figure(scenario: name, measure: "warning logged on stderr", value: warnings.first.map { "yes: \($0.suffix(70))" } ?? "no",
                   target: "a warning", passed: !warnings.isEmpty),
            Figure(scenario: name, measure: "new client served after closing half", value: recovery.map { "in \(f3($0)) s" } ?? "not within 10 s",
                   target: "≤ 2 s", passed: (recovery ?? 99) <= 2),
        ]
    }
}

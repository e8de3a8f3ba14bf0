import BenchmarkSupport
import Foundation
import Preserves
import Syndicate

/// SIGTERM while producers and consumers are busy: the broker must exit with status 0 within
/// 2 s, and every consumer must get an `<error>` packet before its connection closes.
struct ShutdownScenario: Scenario {
    var name: String { "sigterm" }
    var summary: String { "SIGTERM with producers and consumers running: exit status and time, an <error> to every consumer" }

    func run(_ context: StressContext) throws -> [Figure] {
        let broker = try Broker()
        defer { broker.stop() }
        let body: WireValue = .record("Load", .byteString([UInt8](repeating: 7, count: 64)))
        let consumers = try [Consumer.Pace.fast, .fast, .slow(bytesPer10ms: 8 << 10)].map {
            try Consumer(port: broker.port, label: "Load", captures: 1, pace: $0, maxDuration: 60)
        }
        let producers = try (0..<2).map { _ in try Producer(port: broker.port, body: body, total: nil, maxDuration: 60) }
        defer {
            for producer in producers { producer.stop() }
            for consumer in consumers { consumer.disconnect() }
        }
        Thread.sleep(forTimeInterval: context.pick(quick: 2, full: 4))
        let sentBefore = producers.map { $0.sent.get }.reduce(0, +)
        let receivedBefore = consumers.map { $0.received.get }
        guard broker.isAlive, sentBefore > 0 else {
            throw StressError("no load before the signal (sent \(sentBefore)): \(broker.deathReport())")
        }
        context.log("under load: \(sentBefore) messages sent, consumers received \(receivedBefore); sending SIGTERM")

        let start = Date()
        broker.process.signal(SIGTERM)
        let exited = broker.process.waitForExit(timeout: 10)
        let exitTime = Date().timeIntervalSince(start)
        let status = broker.process.termination ?? "still running after 10 s"
        if !exited { broker.process.kill() }
        // Each consumer reads to the end of its stream.
        let finished = consumers.map { $0.waitUntilFinished(timeout: 10) }
        let fast = consumers.prefix(2), slow = consumers[2]
        let fastGood = fast.filter { $0.error.get != nil && $0.closed.get }.count
        let slowGood = slow.error.get != nil && slow.closed.get
        context.log("exit: \(status) after \(f3(exitTime)) s; consumers: " + consumers.enumerated().map { i, c in
            "#\(i + 1) \(c.ending)" + (finished[i] ? "" : " (still reading after 10 s)")
        }.joined(separator: "; "))
        return [
            Figure(scenario: name, measure: "SIGTERM under load: exit", value: "\(status) after \(f3(exitTime)) s",
                   target: "exit 0 within 2 s", passed: broker.process.exitStatus == 0 && exitTime <= 2),
            Figure(scenario: name, measure: "fast consumers given <error> before close", value: "\(fastGood)/\(fast.count)" + (fast.first.map { ": \($0.ending)" } ?? ""),
                   target: "all", passed: fastGood == fast.count),
            Figure(scenario: name, measure: "slow consumer (800 KB/s) given <error> before close", value: slow.ending,
                   target: "<error>, then close", passed: slowGood),
        ]
    }
}

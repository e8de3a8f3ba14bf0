import Foundation
import NIOConcurrencyHelpers
import Prometheus
import Syndicate
import SyndicateNIO

/// The broker's Prometheus metrics: connections, turns and messages (counters, per second by
/// rate), assertions held, bytes queued for peers, and resident memory. Values are read from
/// the runtime's counters when scraped, so nothing is paid per message for them.
final class BrokerMetrics: Sendable {
    /// The registry the metrics live in; `syndicate-server` also bootstraps swift-metrics into it.
    static let shared = BrokerMetrics()

    let registry = PrometheusCollectorRegistry()
    private let connections: Gauge
    private let assertions: Gauge
    private let queuedBytes: Gauge
    private let residentMemory: Gauge
    private let turns: Counter
    private let messages: Counter
    /// The turn and message counts at the last scrape, to increment the counters by the difference.
    private let lastCounts = NIOLockedValueBox<(turns: Int, messages: Int)>((0, 0))

    init() {
        connections = registry.makeGauge(descriptor: Self.name("connections", help: "Open connections to the broker's relay listeners."))
        assertions = registry.makeGauge(descriptor: Self.name("assertions", help: "Distinct assertions held by the broker's dataspaces."))
        queuedBytes = registry.makeGauge(descriptor: Self.name("queued", unit: "bytes", help: "Bytes queued for peers and not yet written."))
        residentMemory = registry.makeGauge(descriptor: Self.name("resident_memory", unit: "bytes", help: "Resident memory of the broker process."))
        turns = registry.makeCounter(descriptor: Self.name("turns", unit: "total", help: "Turns run by the broker's actors."))
        messages = registry.makeCounter(descriptor: Self.name("messages", unit: "total", help: "Messages routed by the broker's dataspaces."))
    }

    /// `syndicate_NAME[_UNIT]`, with its help text.
    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "syndicate", metricName: metric, unitName: unit, helpText: help)
    }

    /// The metrics now, in Prometheus's text format.
    func exposition(listeners: ListenerSet, budget: OutputBudget) -> [UInt8] {
        connections.set(Double(listeners.all.reduce(0) { $0 + $1.connectionCount }))
        assertions.set(Double(RuntimeStatistics.assertionsHeld))
        queuedBytes.set(Double(budget.pendingBytes))
        residentMemory.set(Double(Self.residentBytes()))
        let (turnDelta, messageDelta) = lastCounts.withLock { last -> (Int, Int) in
            let now = (RuntimeStatistics.turns, RuntimeStatistics.messages)
            defer { last = now }
            return (max(0, now.0 - last.turns), max(0, now.1 - last.messages))
        }
        turns.increment(by: Int64(turnDelta))
        messages.increment(by: Int64(messageDelta))
        return registry.emitToBuffer()
    }

    /// Resident set size, from `/proc/self/statm` (0 where there is none).
    static func residentBytes() -> Int {
        guard let data = FileHandle(forReadingAtPath: "/proc/self/statm")?.readDataToEndOfFile() else { return 0 }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

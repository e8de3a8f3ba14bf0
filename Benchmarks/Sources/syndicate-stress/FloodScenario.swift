import BenchmarkSupport
import Foundation
import Preserves
import Syndicate

/// One producer floods `<Says "p" #"…16 bytes…">` messages at four consumers that read
/// slowly; then one consumer stops reading altogether. Back-pressure must slow the producer
/// down and keep the broker's memory bounded, and the memory must come back afterwards.
struct FloodScenario: Scenario {
    var name: String { "flood" }
    var summary: String { "a producer flooding four slow consumers, then one stalled consumer: peak RSS, RSS afterwards, back-pressure" }

    static let body: WireValue = .record("Says", .string("p"), .byteString(Array("0123456789abcdef".utf8)))
    static let slowPace = Consumer.Pace.slow(bytesPer10ms: 16 << 10)
    /// The slow consumers' kernel receive buffer: fixed and small, so that what the broker
    /// does about them is not hidden behind tens of MiB of loopback autotuning.
    static let receiveBuffer = 256 << 10

    func run(_ context: StressContext) throws -> [Figure] {
        // Quick: enough that the last quarter comes well after the socket buffers are full (they
        // take ~200k messages).
        let total = context.pick(quick: 500_000, full: 2_000_000)
        let floodLimit = context.pick(quick: 45.0, full: 180.0)
        let broker = try Broker()
        defer { broker.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        var figures: [Figure] = []

        // The producer's rate with one consumer reading as fast as it can: the reference that
        // says whether slow consumers slowed it down.
        let reference: Double
        do {
            let consumer = try Consumer(port: broker.port, label: "Says", captures: 2, pace: .fast, maxDuration: 30)
            let producer = try Producer(port: broker.port, body: Self.body, total: nil, maxDuration: 30)
            Thread.sleep(forTimeInterval: context.pick(quick: 1.5, full: 3))
            reference = producer.rate
            producer.stop()
            consumer.disconnect()
            context.log("reference: \(rate(reference)) msg/s sent with one fast consumer (it received \(consumer.received.get))")
        }
        broker.waitUntilQuiet(timeout: 10)

        // The flood: four slow consumers.
        let consumers = try (0..<4).map { _ in try Consumer(port: broker.port, label: "Says", captures: 2, pace: Self.slowPace, receiveBuffer: Self.receiveBuffer, maxDuration: floodLimit + 120) }
        Thread.sleep(forTimeInterval: 1)
        let baseline = broker.residentMiB
        let sampler = RSSSampler(broker)
        // The last quarter shows the steady state: the first messages only fill the kernel's
        // socket buffers (the broker's send buffers alone take MiBs), at full speed.
        let mark = total * 3 / 4
        let producer = try Producer(port: broker.port, body: Self.body, total: total, mark: mark, maxDuration: floodLimit)
        var lastReport = Date()
        while !producer.waitUntilFinished(timeout: 0.5) {
            if Date().timeIntervalSince(lastReport) >= 10 {
                lastReport = Date()
                context.log("  … \(producer.sent.get) sent, consumers have \(consumers.map { $0.received.get }), RSS \(f0(broker.residentMiB)) MiB")
            }
            guard broker.isAlive else { break }
        }
        let floodRate = producer.rate
        let steadyRate = producer.rate(after: mark) ?? floodRate
        let sent = producer.sent.get
        let floodTime = Date().timeIntervalSince(producer.started)
        let deliveredDuring = consumers.map { $0.received.get }
        // Then let the consumers catch up at full speed.
        for consumer in consumers { consumer.pace.update { $0 = .fast } }
        let catchUpDeadline = Date(timeIntervalSinceNow: 60)
        var previous = -1
        while Date() < catchUpDeadline {
            let now = consumers.map { $0.received.get }.reduce(0, +)
            if now >= sent * consumers.count || now == previous { break }
            previous = now
            Thread.sleep(forTimeInterval: 2)
        }
        let delivered = consumers.map { $0.received.get }
        let floodPeak = sampler.peakMiB
        sampler.stop()
        guard broker.isAlive else {
            return [Figure(scenario: name, measure: "broker alive", value: "died during the flood: \(broker.deathReport())", target: "alive", passed: false)]
        }
        let deliveryRate = Double(deliveredDuring.min() ?? 0) / max(floodTime, 1e-3)
        context.log("flood: \(sent)/\(total) sent in \(f1(floodTime)) s (\(rate(floodRate)) msg/s, \(rate(steadyRate)) msg/s over the last quarter; each slow consumer took ~\(rate(deliveryRate)) msg/s); peak RSS \(f1(floodPeak)) MiB over a \(f1(baseline)) MiB baseline")
        context.log("  delivered to each consumer: \(delivered) of \(sent)")

        // Memory afterwards (the consumers stay connected); the broker trims every 5 s.
        let (after, settleTime) = Self.settle(broker, target: baseline + 64, maxWait: 12)
        context.log("  RSS \(f1(after)) MiB \(f1(settleTime)) s after the flood (baseline \(f1(baseline)) MiB)")
        producer.stop()
        for consumer in consumers { consumer.disconnect() }

        figures.append(Figure(scenario: name, measure: "flood: peak RSS", value: "\(f1(floodPeak)) MiB (\(sent) messages to 4 slow consumers)",
                              target: "< 512 MiB", passed: floodPeak < 512))
        figures.append(Figure(scenario: name, measure: "flood: RSS afterwards vs baseline", value: "\(signed(after - baseline)) MiB after \(f1(settleTime)) s (\(f1(baseline)) → \(f1(after)) MiB)",
                              target: "≤ +64 MiB", passed: after - baseline <= 64))
        // With back-pressure the producer goes, once the buffers are full, at the slow
        // consumers' pace; without it, as fast as the broker can fan out (and memory grows).
        figures.append(Figure(scenario: name, measure: "flood: producer rate, last quarter (back-pressure)",
                              value: "\(rate(steadyRate)) msg/s (\(rate(floodRate)) overall; \(rate(reference)) with a fast consumer); the slow consumers read \(rate(deliveryRate)) msg/s",
                              target: "≤ 1.5× the consumers' rate", passed: steadyRate <= 1.5 * deliveryRate))
        let lost = delivered.map { sent - $0 }.max() ?? 0
        figures.append(.info(name, "flood: messages delivered to each consumer", lost == 0 ? "all \(sent)" : "\(delivered) of \(sent)"))
        broker.waitUntilQuiet(timeout: 10)

        figures += try stall(context, broker: broker, reference: reference)
        return figures
    }

    /// One consumer stops reading while another reads and the producer sends without end.
    func stall(_ context: StressContext, broker: Broker, reference: Double) throws -> [Figure] {
        let stallTimeout = 60.0
        let mark = broker.process.errorLineCount
        let stalled = try Consumer(port: broker.port, label: "Says", captures: 2, pace: .stalled, receiveBuffer: Self.receiveBuffer, maxDuration: 200)
        let reader = try Consumer(port: broker.port, label: "Says", captures: 2, pace: .fast, maxDuration: 200)
        let baseline = broker.residentMiB
        let sampler = RSSSampler(broker)
        let producer = try Producer(port: broker.port, body: Self.body, total: nil, maxDuration: context.pick(quick: 30, full: 150))
        defer {
            sampler.stop()
            producer.stop()
            stalled.disconnect()
            reader.disconnect()
        }
        // Let the buffers fill, then measure the producer's rate while the consumer stalls.
        Thread.sleep(forTimeInterval: 3)
        let sent0 = producer.sent.get
        let t0 = Date()
        var figures: [Figure] = []
        var cutOff: String?
        if context.quick {
            Thread.sleep(forTimeInterval: 5)
        } else {
            // syndicate-server cuts a consumer off after 60 s without progress (not settable from
            // its command line yet), and says so on stderr.
            cutOff = broker.process.waitForErrorLine(since: mark, timeout: stallTimeout + 20) { $0.contains("slow consumer") }
        }
        let cutOffAfter = Date().timeIntervalSince(t0) + 3
        let stallRate = Double(producer.sent.get - sent0) / Date().timeIntervalSince(t0)
        let stallPeak = sampler.peakMiB
        let stallTime = Date().timeIntervalSince(t0) + 3
        context.log("stall: the producer sent \(rate(stallRate)) msg/s while a consumer read nothing (the reader got \(reader.received.get)); peak RSS \(f1(stallPeak)) MiB (from \(f1(baseline)))")
        figures.append(Figure(scenario: name, measure: "stalled consumer: producer rate", value: "\(rate(stallRate)) msg/s vs \(rate(reference)) reference",
                              target: "< 0.5× the reference", passed: stallRate < 0.5 * reference))
        figures.append(Figure(scenario: name, measure: "stalled consumer: peak RSS", value: "\(f1(stallPeak)) MiB over \(f0(stallTime)) s",
                              target: "< 512 MiB", passed: stallPeak < 512))
        if context.quick {
            figures.append(.info(name, "stalled consumer cut off with <error>", "not checked in --quick (the broker's stall timeout is 60 s)"))
            return figures
        }
        // Once the consumer is cut off, the producer must get going again.
        var resumedAfter: Double?
        if cutOff != nil {
            let from = producer.sent.get
            let start = Date()
            while Date().timeIntervalSince(start) < 15 {
                Thread.sleep(forTimeInterval: 0.1)
                if producer.sent.get > from + 1000 { resumedAfter = Date().timeIntervalSince(start); break }
            }
        }
        // The stalled consumer now reads what it was sent: an <error> must end it.
        stalled.pace.update { $0 = .fast }
        _ = stalled.waitUntilFinished(timeout: 15)
        let error = stalled.error.get
        let ended = stalled.closed.get
        let value: String
        if cutOff != nil {
            value = "cut off after ~\(f0(cutOffAfter)) s: \(stalled.ending); the producer "
                + (resumedAfter.map { "resumed \(f1($0)) s later" } ?? "did not resume within 15 s")
        } else {
            value = "not cut off after \(f0(stallTimeout + 20)) s (\(stalled.ending))"
        }
        context.log("stall: \(value)")
        figures.append(Figure(scenario: name, measure: "stalled consumer cut off with <error>", value: value,
                              target: "<error>, then close", passed: cutOff != nil && error != nil && ended))
        return figures
    }

    /// Polls the broker's RSS until it is at most `target` MiB (or `maxWait` passes).
    static func settle(_ broker: Broker, target: Double, maxWait: TimeInterval) -> (mib: Double, seconds: Double) {
        let start = Date()
        var rss = broker.residentMiB
        while rss > target && Date().timeIntervalSince(start) < maxWait {
            Thread.sleep(forTimeInterval: 0.5)
            rss = broker.residentMiB
        }
        return (rss, Date().timeIntervalSince(start))
    }
}

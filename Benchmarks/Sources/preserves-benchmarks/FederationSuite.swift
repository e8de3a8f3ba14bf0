import BenchmarkSupport
import Foundation

/// Brokers federated over the protocol (the `<federation …>` service), each its own process on
/// loopback: three brokers in a chain a–b–c in tree mode, a consumer (or pong) on a and the
/// producer (or ping) on a, b or c, so messages cross zero, one or two broker hops. The
/// baseline, in the same run, is a plain broker with both clients on it (what the broker
/// suite measures).
struct FederationSuite: BenchmarkSuite {
    var name: String { "federation" }
    var summary: String { "cross-broker msg/s and one-in-flight round trip over 0, 1 and 2 federation hops, against a single plain broker" }

    typealias Skipped = BrokerSuite.Skipped

    func run(options: BenchmarkOptions) throws -> Bool {
        let seconds = options.quick ? 2 : 6
        let samples = options.quick ? 200 : 2000
        let perBatch = 100

        let plain = freePort()
        let plainBroker = try ChildProcess.role(["broker", "\(plain)"])
        defer { plainBroker.kill() }
        let (a, b, c) = (freePort(), freePort(), freePort())
        let brokers = try [
            ChildProcess.role(["fed-broker", "\(a)", "a", "tree", "b=\(b)"]),
            ChildProcess.role(["fed-broker", "\(b)", "b", "tree", "a=\(a)", "c=\(c)"]),
            ChildProcess.role(["fed-broker", "\(c)", "c", "tree", "b=\(b)"]),
        ]
        defer { for broker in brokers { broker.kill() } }
        for port in [plain, a, b, c] { try BrokerSuite.waitForPort(port) }
        // The links come up with the brokers; give them a moment.
        Thread.sleep(forTimeInterval: 1)

        struct Row { let label: String; let rate: Double; let rtt: Double }
        var rows: [Row] = []
        for (label, consumerPort, producerPort) in [("single broker (baseline)", plain, plain), ("federated, same broker", a, a), ("1 hop (b → a)", a, b), ("2 hops (c → b → a)", a, c)] {
            let rate = try BrokerSuite.throughput(
                consumer: ["consumer", "\(consumerPort)"], producer: ["producer", "\(producerPort)", "\(perBatch)", "0"], seconds: seconds)
            let rtt = try BrokerSuite.latency(pong: ["pong", "\(producerPort)"], ping: ["fed-ping", "\(consumerPort)", "\(samples)"])
            rows.append(Row(label: label, rate: rate, rtt: rtt))
        }
        let base = rows[0]
        print("| path | msg/s (\(perBatch) per turn) | vs baseline | ping-pong p50 round trip, ms | vs baseline |")
        print("|---|---|---|---|---|")
        for row in rows {
            print("| \(row.label) | \(Int(row.rate)) | \(String(format: "%.2f", row.rate / base.rate))× | \(String(format: "%.3f", row.rtt)) | \(String(format: "%.2f", row.rtt / base.rtt))× |")
        }
        return true
    }
}

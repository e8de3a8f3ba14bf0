import BenchmarkSupport
import Foundation

/// The broker end to end, each party its own process on loopback, next to Redis pub/sub
/// (Debian's `redis-server`) driven by equivalent pipelined clients in the same run:
/// producer→consumer throughput (target ≥ Redis) and ping-pong p50 round trip (target ≤ Redis),
/// each with the Swift example programs and with raw-protocol clients (``RawSyndicateClients``,
/// the broker alone), and the broker's memory with 1,000 idle connections.
struct BrokerSuite: BenchmarkSuite {
    var name: String { "broker" }
    var summary: String { "syndicate-server vs redis-server pub/sub: throughput (≥ 1×), p50 round trip (≤ 1×), memory of 1,000 idle connections" }

    struct Skipped: Error, CustomStringConvertible { var description: String }

    func run(options: BenchmarkOptions) throws -> Bool {
        let seconds = options.quick ? 2 : 6
        let samples = options.quick ? 200 : 2000
        let perBatch = 100
        guard let redis = Self.findRedis() else {
            print("redis-server not found (Debian: apt-get install redis-server): measuring the broker alone")
            let port = freePort()
            let broker = try ChildProcess.role(["broker", "\(port)"])
            defer { broker.kill() }
            try Self.waitForPort(port)
            let rate = try Self.throughput(consumer: ["consumer", "\(port)"], producer: ["producer", "\(port)", "\(perBatch)", "0"], seconds: seconds)
            print("syndicate producer→consumer: \(Int(rate)) msg/s")
            return true
        }

        let synPort = freePort()
        let broker = try ChildProcess.role(["broker", "\(synPort)"])
        defer { broker.kill() }
        try Self.waitForPort(synPort)
        let redisPort = freePort()
        let redisServer = try ChildProcess(redis, ["--port", "\(redisPort)", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
        defer { redisServer.kill() }
        try Self.waitForPort(redisPort)

        let synRate = try Self.throughput(consumer: ["consumer", "\(synPort)"], producer: ["producer", "\(synPort)", "\(perBatch)", "0"], seconds: seconds)
        let rawRate = try Self.throughput(consumer: ["raw-subscriber", "\(synPort)"], producer: ["raw-publisher", "\(synPort)", "\(perBatch)", "0"], seconds: seconds)
        let redisRate = try Self.throughput(consumer: ["redis-subscriber", "\(redisPort)"], producer: ["redis-publisher", "\(redisPort)", "\(perBatch)", "0"], seconds: seconds)
        let synLatency = try Self.latency(pong: ["pong", "\(synPort)"], ping: ["ping", "\(synPort)", "\(samples)"])
        let rawLatency = try Self.latency(pong: ["raw-pong", "\(synPort)"], ping: ["raw-ping", "\(synPort)", "\(samples)"])
        let redisLatency = try Self.latency(pong: ["redis-pong", "\(redisPort)"], ping: ["redis-ping", "\(redisPort)", "\(samples)"])

        let connections = options.quick ? 100 : 1000
        let before = broker.residentKiB ?? 0
        let idle = try ChildProcess.role(["idle", "\(synPort)", "\(connections)"])
        defer { idle.kill() }
        guard !idle.waitForLines(1, timeout: 60, where: { $0 == "ready" }).isEmpty else { throw Skipped(description: "idle connections did not come up") }
        Thread.sleep(forTimeInterval: 0.5)
        let after = broker.residentKiB ?? 0
        let redisBefore = redisServer.residentKiB ?? 0
        let redisIdle = try ChildProcess.role(["idle", "\(redisPort)", "0"])
        redisIdle.kill()

        let ratios = (rate: synRate / redisRate, rawRate: rawRate / redisRate, latency: synLatency / redisLatency, rawLatency: rawLatency / redisLatency)
        func ratio(_ x: Double) -> String { String(format: "%.2f", x) + "×" }
        func ms(_ x: Double) -> String { String(format: "%.3f", x) }
        print("| measure | syndicate-server | redis-server | ratio | target |")
        print("|---|---|---|---|---|")
        print("| producer→consumer msg/s, Swift example programs (\(perBatch) per turn/pipeline batch) | \(Int(synRate)) | \(Int(redisRate)) | \(ratio(ratios.rate)) | ≥ 1× |")
        print("| producer→consumer msg/s, raw-protocol clients (\(perBatch) per packet/pipeline batch) | \(Int(rawRate)) | \(Int(redisRate)) | \(ratio(ratios.rawRate)) | ≥ 1× |")
        print("| ping-pong p50 round trip, ms, Swift example programs | \(ms(synLatency)) | \(ms(redisLatency)) | \(ratio(ratios.latency)) | ≤ 1× |")
        print("| ping-pong p50 round trip, ms, raw-protocol clients | \(ms(rawLatency)) | \(ms(redisLatency)) | \(ratio(ratios.rawLatency)) | ≤ 1× |")
        print("| memory, \(connections) idle resolved connections | +\((after - before) / 1024) MiB (\(String(format: "%.1f", Double(after - before) / Double(connections))) KiB each; \(after / 1024) MiB total) | \(redisBefore / 1024) MiB idle | | |")
        return ratios.rate >= 1 && ratios.rawRate >= 1 && ratios.latency <= 1 && ratios.rawLatency <= 1
    }

    static func findRedis() -> String? {
        for path in ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    static func waitForPort(_ port: Int) throws {
        for _ in 0..<200 {
            if BlockingSocket(port: port) != nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Skipped(description: "nothing listening on port \(port)")
    }

    /// Median of the consumer's per-second counts, skipping the first (warm-up) second.
    static func throughput(consumer: [String], producer: [String], seconds: Int) throws -> Double {
        let consumerProcess = try ChildProcess.role(consumer)
        defer { consumerProcess.kill() }
        Thread.sleep(forTimeInterval: 0.5)
        let producerProcess = try ChildProcess.role(producer)
        defer { producerProcess.kill() }
        let lines = consumerProcess.waitForLines(seconds + 2, timeout: Double(seconds + 10)) { $0.hasSuffix("messages in the last second") }
        let counts = lines.compactMap { Int($0.split(separator: " ").first ?? "") }.filter { $0 > 0 }
        guard counts.count >= 2 else { throw Skipped(description: "no messages counted by \(consumer[0])") }
        return median(counts.dropFirst().map(Double.init))
    }

    /// The p50 of the second percentile report (the first includes warm-up).
    static func latency(pong: [String], ping: [String]) throws -> Double {
        let pongProcess = try ChildProcess.role(pong)
        defer { pongProcess.kill() }
        Thread.sleep(forTimeInterval: 0.5)
        let pingProcess = try ChildProcess.role(ping)
        defer { pingProcess.kill() }
        let reports = pingProcess.waitForLines(2, timeout: 60) { $0.hasPrefix("rtt:") }
        guard let last = reports.last, let p50 = p50(of: last) else { throw Skipped(description: "no round trips reported by \(ping[0])") }
        return p50
    }

    static func p50(of line: String) -> Double? {
        let words = line.split(separator: " ")
        guard let i = words.firstIndex(of: "50%"), i + 1 < words.count else { return nil }
        return Double(words[i + 1])
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}

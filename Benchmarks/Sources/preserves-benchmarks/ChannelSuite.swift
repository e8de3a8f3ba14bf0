import BenchmarkSupport
import Foundation
import Synchronization
import SyndicateChannels
import SyndicateNIO

/// SyndicateChannels' primitives, in the same run as their baselines: direct mode against the
/// bare swift-nio floor with the same framing and codec (target: at most 1.25× the floor's cost
/// per item), broker mode (a `syndicate-server` in a child process) against `redis-server`
/// pub/sub with equivalent clients (target: at least 1× Redis's messages per second). Scenarios:
/// mpsc (10 senders × 100k items), broadcast (1 → 10 × 100k), 1:1 round trips.
struct ChannelSuite: BenchmarkSuite {
    var name: String { "channels" }
    var summary: String { "SyndicateChannels: direct vs bare swift-nio (≤ 1.25× per item), broker vs Redis pub/sub (≥ 1× msgs/s); mpsc 10×100k, broadcast 1→10×100k, round trip" }

    static let peers = 10

    func run(options: BenchmarkOptions) throws -> Bool {
        let items = options.quick ? 2_000 : 100_000
        let samples = options.quick ? 200 : 5_000
        let rounds = options.quick ? 1 : 3
        let codec = JSONCodec<Tick>()

        // Direct mode and its floor, interleaved round by round. Each scenario's cost is the
        // process's CPU time per item (both sides run in this process); wall time is reported too.
        // CHANNELS_SCENARIOS="floor rtt,direct rtt" runs only those direct-mode scenarios and prints
        // their figures (for profiling one scenario, e.g. under callgrind).
        let only = ProcessInfo.processInfo.environment["CHANNELS_SCENARIOS"].map { Set($0.split(separator: ",").map(String.init)) }
        var wall: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        func record(_ key: String, per units: Int, _ body: @escaping @Sendable () async throws -> Double) throws {
            if let only, !only.contains(key) { return }
            let before = processCPUSeconds()
            let seconds = try blocking(body)
            cpu[key, default: []].append((processCPUSeconds() - before) / Double(units))
            wall[key, default: []].append(seconds)
        }
        let deliveries = Self.peers * items
        for _ in 0..<rounds {
            try record("floor mpsc", per: deliveries) { try await ChannelFloor.mpsc(senders: Self.peers, items: items) }
            try record("direct mpsc", per: deliveries) { try await Self.mpsc(Self.directPair, items: items, codec: codec) }
            try record("direct mpsc off loop", per: deliveries) { try await Self.mpsc(Self.offLoop(Self.directPair), items: items, codec: codec) }
            try record("floor broadcast", per: deliveries) { try await ChannelFloor.broadcast(receivers: Self.peers, items: items) }
            try record("direct broadcast", per: deliveries) { try await Self.broadcast(Self.directPair, items: items, codec: codec) }
            try record("direct broadcast off loop", per: deliveries) { try await Self.broadcast(Self.offLoop(Self.directPair), items: items, codec: codec) }
            try record("floor rtt", per: samples) { percentile(try await ChannelFloor.roundTrips(samples: samples), 0.5) }
            try record("direct rtt", per: samples) { percentile(try await Self.roundTrips(Self.directPair, samples: samples, codec: codec), 0.5) }
            try record("direct rtt off loop", per: samples) { percentile(try await Self.roundTrips(Self.offLoop(Self.directPair), samples: samples, codec: codec), 0.5) }
        }
        let d = wall.mapValues(median)
        let c = cpu.mapValues(median)
        if only != nil {
            for key in c.keys.sorted() { print("\(key): CPU \(us(c[key]!)) µs, wall \(us(d[key]!)) µs per unit") }
            return true
        }
        print("| direct mode | bare swift-nio floor | SyndicateChannels direct | ratio | target |")
        print("|---|---|---|---|---|")
        let mpscRatio = c["direct mpsc"]! / c["floor mpsc"]!
        let broadcastRatio = c["direct broadcast"]! / c["floor broadcast"]!
        let rttRatio = c["direct rtt"]! / c["floor rtt"]!
        func row(_ what: String, _ key: String, floor: String, target: String, on values: [String: Double]) {
            print("| \(what) | \(us(values[floor]!)) | \(us(values[key]!)) | \(ratio(values[key]! / values[floor]!)) | \(target) |")
        }
        row("mpsc \(Self.peers)×\(items), CPU µs per item", "direct mpsc", floor: "floor mpsc", target: "≤ 1.25×", on: c)
        row("mpsc, wall µs per item", "direct mpsc", floor: "floor mpsc", target: "(informative)", on: d)
        row("mpsc, senders off their connection's loop (`runsOnConnectionLoop = false`), CPU µs per item", "direct mpsc off loop", floor: "floor mpsc", target: "(informative)", on: c)
        row("broadcast 1→\(Self.peers)×\(items), CPU µs per delivery", "direct broadcast", floor: "floor broadcast", target: "≤ 1.25×", on: c)
        row("broadcast, wall µs per delivery", "direct broadcast", floor: "floor broadcast", target: "(informative)", on: d)
        row("broadcast, receivers off their connection's loop, CPU µs per delivery", "direct broadcast off loop", floor: "floor broadcast", target: "(informative)", on: c)
        row("round trip, CPU µs per round trip (\(samples))", "direct rtt", floor: "floor rtt", target: "≤ 1.25×", on: c)
        row("round trip p50, wall µs", "direct rtt", floor: "floor rtt", target: "(informative)", on: d)
        row("round trip p50, bodies off the connection's loop (`runsOnConnectionLoop = false`), wall µs", "direct rtt off loop", floor: "floor rtt", target: "(informative)", on: d)
        var met = mpscRatio <= 1.25 && broadcastRatio <= 1.25 && rttRatio <= 1.25
        print()

        guard let redisPath = BrokerSuite.findRedis() else {
            print("redis-server not found (Debian: apt-get install redis-server): broker mode not compared")
            return met
        }
        let brokerPort = freePort()
        let broker = try ChildProcess.role(["broker", "\(brokerPort)"])
        defer { broker.kill() }
        try BrokerSuite.waitForPort(brokerPort)
        let redisPort = freePort()
        let redis = try ChildProcess(redisPath, [
            "--port", "\(redisPort)", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1",
            // A subscriber that falls behind is not disconnected (Redis has no back-pressure).
            "--client-output-buffer-limit", "pubsub 0 0 0",
        ])
        defer { redis.kill() }
        try BrokerSuite.waitForPort(redisPort)
        let window = ChannelOptions().receiveBuffer

        var viaBroker: [String: [Double]] = [:]
        let brokerPair = Self.brokerPair(port: brokerPort)
        for round in 0..<rounds {
            viaBroker["redis mpsc", default: []].append(try blocking { try await ChannelRedis.mpsc(port: redisPort, publishers: Self.peers, items: items, window: window) })
            viaBroker["broker mpsc", default: []].append(1 / (try blocking { try await Self.mpsc(brokerPair("mpsc-\(round)"), items: items, codec: codec) }))
            viaBroker["redis broadcast", default: []].append(try blocking { try await ChannelRedis.broadcast(port: redisPort, subscribers: Self.peers, items: items, window: window) })
            viaBroker["broker broadcast", default: []].append(1 / (try blocking { try await Self.broadcast(brokerPair("broadcast-\(round)"), items: items, codec: codec) }))
            viaBroker["redis rtt", default: []].append(percentile(try blocking { try await ChannelRedis.roundTrips(port: redisPort, samples: samples) }, 0.5))
            viaBroker["broker rtt", default: []].append(percentile(try blocking { try await Self.roundTrips(brokerPair("rtt-\(round)"), samples: samples, codec: codec) }, 0.5))
            viaBroker["broker rtt off loop", default: []].append(percentile(try blocking { try await Self.roundTrips(Self.offLoop(brokerPair("rtt-off-\(round)")), samples: samples, codec: codec) }, 0.5))
        }
        let b = viaBroker.mapValues(median)
        let bMpsc = b["broker mpsc"]! / b["redis mpsc"]!
        let bBroadcast = b["broker broadcast"]! / b["redis broadcast"]!
        let bRtt = b["broker rtt"]! / b["redis rtt"]!
        let bOffLoop = b["broker rtt off loop"]! / b["redis rtt"]!
        print("| broker mode | redis-server pub/sub | SyndicateChannels over syndicate-server | ratio | target |")
        print("|---|---|---|---|---|")
        print("| mpsc \(Self.peers)×\(items), msgs/s | \(Int(b["redis mpsc"]!)) | \(Int(b["broker mpsc"]!)) | \(ratio(bMpsc)) | ≥ 1× |")
        print("| broadcast 1→\(Self.peers)×\(items), deliveries/s | \(Int(b["redis broadcast"]!)) | \(Int(b["broker broadcast"]!)) | \(ratio(bBroadcast)) | ≥ 1× |")
        print("| round trip p50, µs (\(samples)) | \(us(b["redis rtt"]!)) | \(us(b["broker rtt"]!)) | \(ratio(bRtt)) | ≤ 1× |")
        print("| round trip p50, bodies off the connection's loop (`runsOnConnectionLoop = false`), µs | \(us(b["redis rtt"]!)) | \(us(b["broker rtt off loop"]!)) | \(ratio(bOffLoop)) | (informative) |")
        met = met && bMpsc >= 1 && bBroadcast >= 1
        return met
    }

    // MARK: Scenarios on the library (any transport)

    /// How a scenario opens its two kinds of endpoint: the accepting side's transport, and
    /// the connecting side's once the accepting side is open.
    struct Pair: Sendable {
        /// Given a free port (direct mode listens on it).
        var accepting: @Sendable (_ port: Int) -> Transport
        var connecting: @Sendable (_ port: Int) -> Transport
        var connectOptions: ChannelOptions
        var acceptOptions = ChannelOptions()
    }

    static let directPair: Pair = {
        var options = ChannelOptions()
        options.retry = .seconds(30)
        return Pair(
            accepting: { .direct(host: "127.0.0.1", port: $0) },
            connecting: { .direct(host: "127.0.0.1", port: $0) },
            connectOptions: options)
    }()

    /// `pair` with each side's body off its connection's event loop (on Swift's cooperative pool).
    static func offLoop(_ pair: Pair) -> Pair {
        var pair = pair
        pair.connectOptions.runsOnConnectionLoop = false
        pair.acceptOptions.runsOnConnectionLoop = false
        return pair
    }

    static func brokerPair(port: Int) -> @Sendable (String) -> Pair {
        { name in
            var options = ChannelOptions()
            options.retry = .seconds(30)
            return Pair(
                accepting: { _ in .broker(name: name, address: .tcp(host: "127.0.0.1", port: port)) },
                connecting: { _ in .broker(name: name, address: .tcp(host: "127.0.0.1", port: port)) },
                connectOptions: options)
        }
    }

    /// Seconds per item: `peers` senders × `items` into one receiver.
    static func mpsc(_ pair: Pair, items: Int, codec: JSONCodec<Tick>) async throws -> Double {
        let port = freePort()
        return try await Channels.mpscReceiver(pair.accepting(port), codec: codec) { receiver in
            let start = ContinuousClock.now
            return try await withThrowingTaskGroup(of: Void.self) { group in
                for s in 0..<peers {
                    group.addTask {
                        try await Channels.mpscSender(pair.connecting(port), codec: codec, options: pair.connectOptions) { sender in
                            for i in 0..<items { try await sender.send(Tick(from: s, seq: i)) }
                        }
                    }
                }
                var received = 0
                for try await item in receiver {
                    blackHole(item)
                    received += 1
                    if received == peers * items { break }
                }
                let elapsed = (ContinuousClock.now - start).seconds
                try await group.waitForAll()
                return elapsed / Double(peers * items)
            }
        }
    }

    /// Seconds per delivery: one sender, `peers` receivers, `items` each.
    static func broadcast(_ pair: Pair, items: Int, codec: JSONCodec<Tick>) async throws -> Double {
        let port = freePort()
        return try await withThrowingTaskGroup(of: Double?.self) { group in
            group.addTask {
                return try await Channels.broadcastSender(pair.accepting(port), codec: codec) { sender in
                    try await sender.waitForPeers(peers, timeout: .seconds(60))
                    let start = ContinuousClock.now
                    for i in 0..<items { try await sender.send(Tick(from: 0, seq: i)) }
                    return start.duration(to: .now).seconds
                }
            }
            let start = ContinuousClock.now
            for _ in 0..<peers {
                group.addTask {
                    try await Channels.broadcastReceiver(pair.connecting(port), codec: codec, options: pair.connectOptions) { receiver in
                        var received = 0
                        for try await item in receiver {
                            blackHole(item)
                            received += 1
                            if received == items { break }
                        }
                        return nil
                    }
                }
            }
            for try await _ in group {}
            return (ContinuousClock.now - start).seconds / Double(peers * items)
        }
    }

    /// Round trips over a 1:1 channel whose other side echoes, seconds each.
    static func roundTrips(_ pair: Pair, samples: Int, codec: JSONCodec<Tick>) async throws -> [Double] {
        let port = freePort()
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            group.addTask {
                try await Channels.channel(pair.accepting(port), listen: true, codec: codec, options: pair.acceptOptions) { echo in
                    for try await item in echo.receiver { try await echo.send(item) }
                    return []
                }
            }
            let rtts = try await Channels.channel(pair.connecting(port), listen: false, codec: codec, options: pair.connectOptions) { channel in
                var rtts: [Double] = []
                for i in 0..<samples {
                    let start = ContinuousClock.now
                    try await channel.send(Tick(from: 1, seq: i))
                    guard let back = try await channel.receive() else { break }
                    blackHole(back)
                    rtts.append((ContinuousClock.now - start).seconds)
                }
                return rtts
            }
            // Closing the connecting side ends the echo.
            for try await _ in group {}
            return rtts
        }
    }
}

/// Runs async work from the synchronous harness (called on the main thread, which is not one
/// of the cooperative pool's).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T, line: Int = #line) throws -> T {
    if ProcessInfo.processInfo.environment["CHANNELS_BENCH_TRACE"] != nil { FileHandle.standardError.write(Data("scenario at line \(line)\n".utf8)) }
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}

func percentile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

/// CPU time (user and system) the whole process has used so far, in seconds.
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

private func us(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1e6) }
private func ratio(_ r: Double) -> String { String(format: "%.2f×", r) }

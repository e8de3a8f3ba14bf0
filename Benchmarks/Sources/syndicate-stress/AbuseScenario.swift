import BenchmarkSupport
import Foundation
import Preserves
import Syndicate

/// Hostile peers, one case after another, while a canary session measures round trips. The
/// broker must stay alive; the expensive inputs report the broker's CPU seconds.
struct AbuseScenario: Scenario {
    var name: String { "abuse" }
    var summary: String { "hostile peers (garbage, bad UTF-8, deep nesting, huge integers, trickled packets, 20k Observes…) while a canary measures round trips" }

    /// What one abuse case found.
    struct Outcome {
        var text: String
        /// The broker's answer was the expected one (a rejection, or service as usual).
        var handled: Bool
        /// A figure with a target, for the cases that have one.
        var figure: Figure?
    }

    struct Case {
        /// A short name for the summary table.
        var tag: String
        var name: String
        var run: (Run) throws -> Outcome
    }

    /// What a case gets: the broker, and a CPU meter net of the canary's own load.
    struct Run {
        var broker: Broker
        var context: StressContext
        var canaryCPURate: Double
        var port: Int { broker.port }

        /// Runs `body` and returns its result with the broker CPU seconds it took (less what the
        /// canary costs over the same time) and the wall time.
        func measure<T>(_ body: () throws -> T) rethrows -> (T, cpu: Double, wall: Double) {
            let cpu0 = broker.cpuSeconds
            let t0 = Date()
            let result = try body()
            let wall = Date().timeIntervalSince(t0)
            return (result, max(0, broker.cpuSeconds - cpu0 - canaryCPURate * wall), wall)
        }
    }

    func run(_ context: StressContext) throws -> [Figure] {
        let log = CanaryLog()
        var broker = try Broker()
        var canary = log.add(Canary(port: broker.port))
        defer { canary.stop(); broker.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        // What the canary alone costs the broker, taken off each case's CPU figure.
        let cpu0 = broker.cpuSeconds
        Thread.sleep(forTimeInterval: 1)
        var canaryRate = broker.cpuSeconds - cpu0
        context.log("broker pid \(broker.process.pid) on port \(broker.port); the canary alone costs it \(f3(canaryRate)) CPU-s/s")

        var deaths: [String] = []
        var stuck: [String] = []
        var exceptions: [String] = []
        var figures: [Figure] = []
        var handled = 0
        let cases = Self.cases(context)
        for abuse in cases {
            let run = Run(broker: broker, context: context, canaryCPURate: canaryRate)
            var outcome: Outcome
            do {
                outcome = try abuse.run(run)
            } catch {
                outcome = Outcome(text: "could not run: \(error)", handled: false)
            }
            // A crashing broker may take seconds to write its backtrace: a new session must be
            // served, or the process gone.
            Thread.sleep(forTimeInterval: 0.3)
            var unresponsive = false
            if broker.isAlive && !broker.serves(timeout: 5) {
                unresponsive = !broker.process.waitForExit(timeout: 5)
            }
            if !broker.isAlive {
                deaths.append("\(abuse.tag) (\(broker.process.termination ?? "?"))")
                outcome.text += " — BROKER DIED: \(broker.deathReport())"
                outcome.handled = false
            } else if unresponsive {
                stuck.append(abuse.tag)
                outcome.text += " — BROKER UNRESPONSIVE: still running, but a new session was not served within 5 s"
                outcome.handled = false
            }
            context.log("\(abuse.name): \(outcome.text)")
            if outcome.handled { handled += 1 } else { exceptions.append(abuse.tag) }
            if var figure = outcome.figure {
                figure.scenario = name
                if !broker.isAlive { figure.passed = false; figure.value += " (broker died)" }
                figures.append(figure)
            }
            // Each case starts on a live, idle broker, with a canary.
            var restart = !broker.isAlive || unresponsive
            if !restart && !broker.waitUntilQuiet(rate: 0.2, timeout: context.pick(quick: 5, full: 10)) {
                context.log("  the broker is still busy after \(abuse.name): restarting it so the next case starts clean")
                restart = true
            }
            if !canary.isRunning {
                if broker.isAlive, let why = canary.failure.get {
                    context.log("  the canary stopped: \(why)")
                    exceptions.append("canary stopped after \(abuse.tag)")
                }
                if !restart { canary = log.add(Canary(port: broker.port)) }
            }
            if restart {
                canary.stop()
                broker.stop()
                broker = try Broker()
                canary = log.add(Canary(port: broker.port))
                Thread.sleep(forTimeInterval: 0.5)
                let c0 = broker.cpuSeconds
                Thread.sleep(forTimeInterval: 1)
                canaryRate = broker.cpuSeconds - c0
            }
        }
        canary.stop()

        let latencies = log.latencies
        let p50 = Stats.quantile(latencies, 0.5) * 1000
        let p99 = Stats.quantile(latencies, 0.99) * 1000
        let worst = (latencies.max() ?? .nan) * 1000
        context.log("canary: \(latencies.count) round trips, p50 \(f1(p50)) ms, p99 \(f1(p99)) ms, worst \(f0(worst)) ms, \(log.timeouts) timed out (5 s)")
        var out: [Figure] = [
            Figure(scenario: name, measure: "broker alive throughout", value: deaths.isEmpty ? "alive" : "died \(deaths.count)×: " + deaths.joined(separator: "; "),
                   target: "alive", passed: deaths.isEmpty),
            Figure(scenario: name, measure: "canary round trip p99", value: "\(f1(p99)) ms (p50 \(f1(p50)) ms, worst \(f0(worst)) ms), \(latencies.count) trips",
                   target: "p99 < 250 ms", passed: latencies.count >= 10 && p99 < 250),
        ]
        out.append(.info(name, "broker unresponsive after a case (> 5 s)", stuck.isEmpty ? "never" : "after " + stuck.joined(separator: ", ") + " (restarted)"))
        out += figures
        out.append(.info(name, "cases answered as expected", "\(handled)/\(cases.count)" + (exceptions.isEmpty ? "" : "; not: " + exceptions.joined(separator: ", "))))
        return out
    }

    // MARK: - The cases

    static func cases(_ context: StressContext) -> [Case] {
        [
            Case(tag: "garbage-binary", name: "garbage bytes (64 KiB, binary)") { run in
                var rng = SplitMix64(seed: 0x5EED)
                var bytes = (0..<65536).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes[0] |= 0x80
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw(bytes, timeout: 5)
                return rejection(peer)
            },
            Case(tag: "garbage-text", name: "garbage bytes (64 KiB, text)") { run in
                var rng = SplitMix64(seed: 0xFEED)
                var bytes = (0..<65536).map { _ in UInt8(33 + rng.next() % 94) }
                bytes[0] = UInt8(ascii: "[")
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw(bytes, timeout: 5)
                return rejection(peer)
            },
            Case(tag: "utf8-text-[\\xff]", name: "invalid UTF-8 in a text packet ([\\xff])") { run in
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw([UInt8(ascii: "["), 0xFF, UInt8(ascii: "]"), 0x0A])
                return rejection(peer)
            },
            Case(tag: "utf8-text-string", name: "invalid UTF-8 in a text string ([[0 <M \"\\xff\\xfe\">]])") { run in
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw(Array("[[0 <M \"".utf8) + [0xFF, 0xFE] + Array("\">]]\n[[0 <S #:[0 1]>]]\n".utf8))
                return rejection(peer, acceptedIf: { Wire.hasMessage($0, to: 1) })
            },
            Case(tag: "utf8-binary-string", name: "invalid UTF-8 in a binary string") { run in
                // [[0 <M "\xff">]]
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw([0xB5, 0xB5, 0xB0, 0x00, 0xB4, 0xB3, 0x01, 0x4D, 0xB1, 0x01, 0xFF, 0x84, 0x84, 0x84])
                return rejection(peer)
            },
            Case(tag: "not-http", name: "neither protocol nor HTTP (\"hello\")") { run in
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw(Array("\"hello\"\n".utf8))
                return rejection(peer)
            },
            Case(tag: "non-packets", name: "non-packets ( \"hello\", [1 2 3], [[0 <A 1>]])") { run in
                var results: [String] = []
                var ok = true
                for text in [" \"hello\"\n", "[1 2 3]\n", "[[0 <A 1>]]\n"] {
                    let peer = try Peer.tcp(port: run.port)
                    peer.writeRaw(Array(text.utf8))
                    let r = rejection(peer)
                    ok = ok && r.handled
                    results.append(r.text)
                }
                return Outcome(text: results.joined(separator: " | "), handled: ok)
            },
            Case(tag: "huge-length", name: "huge length prefix (2^60-byte string)") { run in
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw([0xB5, 0xB5, 0xB0, 0x00, 0xB4, 0xB3, 0x01, 0x4D, 0xB2] + varint(1 << 60) + [UInt8](repeating: 0x41, count: 4096))
                return rejection(peer)
            },
            Case(tag: "deep-binary", name: "deep nesting (100k binary sequences)") { run in
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw([UInt8](repeating: 0xB5, count: 100_000), timeout: 5)
                return rejection(peer)
            },
            Case(tag: "deep-text", name: "deep nesting (100k text brackets)") { run in
                let peer = try Peer.tcp(port: run.port)
                peer.writeRaw([UInt8](repeating: UInt8(ascii: "["), count: 100_000), timeout: 5)
                return rejection(peer)
            },
            Case(tag: "reused-handle", name: "reused assertion handle") { run in
                let peer = try Peer.tcp(port: run.port)
                let ds = try peer.resolve()
                peer.send(Wire.turn(oid: ds, Wire.assert(.record("Dup", .integer(1)), handle: 7)))
                peer.send(Wire.turn(oid: ds, Wire.assert(.record("Dup", .integer(2)), handle: 7)))
                return rejection(peer)
            },
            Case(tag: "transient-ref", name: "transient ref in a message") { run in
                let peer = try Peer.tcp(port: run.port)
                let ds = try peer.resolve()
                peer.send(Wire.turn(oid: ds, Wire.message(.record("Ref", Wire.ref(9)))))
                return rejection(peer)
            },
            Case(tag: "ws-unmasked", name: "unmasked WebSocket frame") { run in
                let peer = try Peer.webSocket(port: run.port)
                peer.writeRaw(Peer.frame(Wire.encode(Wire.resolve()), opcode: 2, masked: false))
                return rejection(peer, acceptedIf: { Wire.acceptedOid(in: $0) != nil })
            },
            Case(tag: "half-http", name: "50 half HTTP requests held 2 s") { run in
                var peers: [Peer] = []
                for _ in 0..<50 {
                    let peer = try Peer.tcp(port: run.port)
                    peer.writeRaw(Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8))
                    peers.append(peer)
                }
                Thread.sleep(forTimeInterval: 2)
                for peer in peers { _ = peer.pumpAvailable() }
                let closedCount = peers.filter(\.closed).count
                // A well-formed request on a fresh connection is still answered meanwhile.
                let probe = try Peer.tcp(port: run.port)
                probe.writeRaw(Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                _ = probe.drainUntilClosed(timeout: 5)
                let answered = probe.bytesReceived > 0
                return Outcome(text: "the broker closed \(closedCount) of 50 after 2 s; a complete request meanwhile was \(answered ? "answered" : "NOT answered")",
                               handled: answered)
            },
            Case(tag: "800k-digits", name: "800k-digit integer in text syntax") { run in
                let digits = 800_000
                let timeout = run.context.pick(quick: 20.0, full: 60.0)
                let peer = try Peer.tcp(port: run.port)
                let packet = "[[0 <M " + String(repeating: "1", count: digits) + ">]]\n[[0 <S #:[0 1]>]]\n"
                let ((answered, error), cpu, wall) = run.measure { () -> (Bool, String?) in
                    guard peer.writeRaw(Array(packet.utf8), timeout: timeout) else { return (false, peer.errors.first) }
                    let deadline = Date(timeIntervalSinceNow: timeout)
                    while let p = peer.nextPacket(deadline: deadline) {
                        if Wire.hasMessage(p, to: 1) { return (true, nil) }
                        if let e = Wire.errorMessage(of: p) { return (false, e) }
                    }
                    return (false, nil)
                }
                let what = answered ? "accepted (the sync after it was answered)"
                    : error.map { "rejected: <error \"\($0)\">" }
                    ?? (peer.closed ? "connection closed without <error>" : "no answer within \(f0(timeout)) s")
                let passed = cpu < 0.1 || error != nil
                let figure = Figure(scenario: "", measure: "800k-digit integer: broker CPU", value: "\(f3(cpu)) CPU-s, \(what)",
                                    target: "< 0.1 CPU-s or a limit error", passed: passed)
                return Outcome(text: "\(what); \(f3(cpu)) CPU-s over \(f2(wall)) s", handled: answered || error != nil, figure: figure)
            },
            Case(tag: "trickle-16MiB", name: "unclosed 16 MiB text packet trickled 4 KiB at a time") { run in
                trickle(run)
            },
            Case(tag: "20k-observes", name: "20k distinct Observes from one session") { run in
                let count = 20_000
                let timeout = run.context.pick(quick: 30.0, full: 60.0)
                let peer = try Peer.tcp(port: run.port)
                let ds = try peer.resolve()
                let (result, cpu, wall) = run.measure { () -> Result<Double, any Error> in
                    let start = Date()
                    var handle = 10
                    for batch in stride(from: 0, to: count, by: 500) {
                        var events: [(oid: Int, event: WireValue)] = []
                        for i in batch..<min(batch + 500, count) {
                            events.append((ds, Wire.assert(Wire.observe(label: "Item", fields: [Wire.literal(.integer(i))], observer: 1), handle: handle)))
                            handle += 1
                        }
                        guard peer.send(Wire.turn(events), timeout: timeout) else { return .failure(StressError("could not send")) }
                    }
                    do {
                        try peer.sync(ds, timeout: timeout)
                        return .success(Date().timeIntervalSince(start))
                    } catch {
                        return .failure(error)
                    }
                }
                peer.close()
                switch result {
                case .success(let seconds):
                    let figure = Figure(scenario: "", measure: "20k Observes: until a sync returns", value: "\(f3(seconds)) s (\(f2(cpu)) broker CPU-s)",
                                        target: "< 1 s", passed: seconds < 1)
                    return Outcome(text: "registered in \(f3(seconds)) s (\(f2(cpu)) CPU-s)", handled: true, figure: figure)
                case .failure(let error):
                    let figure = Figure(scenario: "", measure: "20k Observes: until a sync returns", value: "> \(f1(wall)) s: \(error)",
                                        target: "< 1 s", passed: false)
                    return Outcome(text: "\(error) after \(f1(wall)) s (\(f2(cpu)) CPU-s)", handled: false, figure: figure)
                }
            },
        ]
    }

    /// Sends `[[0 <M [a a a …` in 4 KiB pieces, never closing it, up to just past the 16 MiB
    /// packet limit: every piece holds bytes that may end a value, so a framer that re-parses
    /// its buffer from the start on each read does quadratic work.
    static func trickle(_ run: Run) -> Outcome {
        let total = 16 << 20
        let piece = [UInt8](String(repeating: "a ", count: 2048).utf8)
        let timeout = run.context.pick(quick: 20.0, full: 60.0)
        let peer: Peer
        do { peer = try Peer.tcp(port: run.port) } catch { return Outcome(text: "\(error)", handled: false) }
        let ((sent, finished), cpu, wall) = run.measure { () -> (Int, Bool) in
            let deadline = Date(timeIntervalSinceNow: timeout)
            var sent = 0
            _ = peer.writeRaw(Array("[[0 <M [".utf8), deadline: deadline)
            while sent < total + 64 << 10 && Date() < deadline {
                guard peer.writeRaw(piece, deadline: deadline) else { break }
                sent += piece.count
                if sent % (256 << 10) == 0 {
                    _ = peer.pumpAvailable()
                    if peer.closed || !peer.errors.isEmpty { break }
                }
                usleep(200)
            }
            // The limit error, once it is over 16 MiB.
            if sent >= total && peer.errors.isEmpty && !peer.closed { _ = peer.drainUntilClosed(timeout: 5) }
            return (sent, sent >= total || !peer.errors.isEmpty)
        }
        let mib = Double(sent) / Double(1 << 20)
        let answer = peer.errors.first.map { "<error \"\($0)\">" } ?? (peer.closed ? "closed without <error>" : "no answer")
        let passed = finished && cpu < 1
        let value = finished ? "\(f2(cpu)) CPU-s for \(f1(mib)) MiB, then \(answer)"
            : "≥ \(f2(cpu)) CPU-s: only \(f1(mib)) MiB taken in \(f0(wall)) s"
        let figure = Figure(scenario: "", measure: "16 MiB trickle: broker CPU", value: value, target: "< 1 CPU-s", passed: passed)
        return Outcome(text: "\(value) (\(f1(wall)) s)", handled: finished && !peer.errors.isEmpty, figure: figure)
    }

    /// Waits for the broker to refuse what `peer` sent: an `<error>` packet, a close, or (on a
    /// WebSocket) a close frame. `acceptedIf` recognises a packet saying the input was taken.
    static func rejection(_ peer: Peer, timeout: TimeInterval = 5, acceptedIf accepted: ((WireValue) -> Bool)? = nil) -> Outcome {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var packets: [WireValue] = []
        while !peer.closed && Date() < deadline {
            peer.pump(deadline: deadline)
            packets += peer.takePackets()
            if let accepted, packets.contains(where: accepted) { break }
        }
        let closed = peer.closed
        if let error = peer.errors.first {
            return Outcome(text: "<error \"\(error.prefix(90))\">" + (closed ? " and close" : " (connection left open)"), handled: true)
        }
        if peer.closeFrameReceived { return Outcome(text: "WebSocket close frame" + (closed ? " and close" : ""), handled: true) }
        if let accepted, packets.contains(where: accepted) {
            return Outcome(text: "ACCEPTED: the broker answered it as valid input", handled: false)
        }
        if closed && peer.bytesReceived == 0 { return Outcome(text: "closed without an <error>", handled: true) }
        if peer.bytesReceived > 0 {
            let head = String(decoding: peer.firstBytes, as: UTF8.self)
            let what = head.hasPrefix("HTTP/")
                ? "answered \"\(head.split(whereSeparator: \.isNewline).first ?? "")\""
                : "answered with \(peer.packetCount) packet(s)" + (packets.first.map { ", first \($0.text().prefix(60))" } ?? "")
            return Outcome(text: what + (closed ? " and closed" : ", and LEFT THE CONNECTION OPEN for \(f0(timeout)) s"), handled: closed)
        }
        return Outcome(text: "NO REACTION within \(f0(timeout)) s (connection held open)", handled: false)
    }

    /// Unsigned LEB128, the length prefix of Preserves binary.
    static func varint(_ n: Int) -> [UInt8] {
        var n = UInt64(n)
        var out: [UInt8] = []
        repeat {
            let byte = UInt8(n & 0x7F)
            n >>= 7
            out.append(n == 0 ? byte : byte | 0x80)
        } while n != 0
        return out
    }
}

/// The canaries' latencies, across broker restarts.
final class CanaryLog {
    private var canaries: [Canary] = []

    func add(_ canary: Canary) -> Canary {
        canaries.append(canary)
        return canary
    }

    var latencies: [Double] { canaries.flatMap { $0.latencies.get } }
    var timeouts: Int { canaries.map { $0.timeouts.get }.reduce(0, +) }
}

/// A small seeded generator, so the garbage is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

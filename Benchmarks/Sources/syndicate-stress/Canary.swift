import Foundation
import Preserves
import Syndicate

/// A well-behaved session that keeps one round trip in flight through the dataspace: it
/// observes `<Canary $>` and sends itself `<Canary n>`, one at a time, every `interval`,
/// recording each round trip's latency. It stops when told to, when the connection is lost,
/// or after `maxDuration`.
final class Canary: @unchecked Sendable {
    /// Latencies in seconds; a round trip that took longer than `timeout` counts as `timeout`.
    let latencies = Shared<[Double]>([])
    let timeouts = Shared(0)
    /// Why the canary stopped early, if it did.
    let failure = Shared<String?>(nil)
    private var worker: Worker?

    init(port: Int, interval: TimeInterval = 0.01, timeout: TimeInterval = 5, maxDuration: TimeInterval = 1200) {
        worker = Worker("canary") { [self] worker in
            do {
                try run(worker, port: port, interval: interval, timeout: timeout, maxDuration: maxDuration)
            } catch {
                failure.update { $0 = "\(error)" }
            }
        }
    }

    private func run(_ worker: Worker, port: Int, interval: TimeInterval, timeout: TimeInterval, maxDuration: TimeInterval) throws {
        let peer = try Peer.tcp(port: port)
        let ds = try peer.resolve()
        let observer = 1
        peer.send(Wire.turn(oid: ds, Wire.assert(Wire.observe(label: "Canary", fields: [Wire.capture], observer: observer), handle: 2)))
        try peer.sync(ds)
        let end = Date(timeIntervalSinceNow: maxDuration)
        var n = 0
        while !worker.shouldStop && Date() < end {
            n += 1
            let start = Date()
            let body: WireValue = .record("Canary", .integer(n))
            guard peer.send(Wire.turn(oid: ds, Wire.message(body)), timeout: timeout) else {
                throw StressError("canary: could not send")
            }
            let expected: WireValue = .sequence([.integer(n)])
            let deadline = start.addingTimeInterval(timeout)
            var answered = false
            while let packet = peer.nextPacket(deadline: deadline) {
                if Wire.hasMessage(packet, to: observer, where: { $0 == expected }) { answered = true; break }
                if let error = Wire.errorMessage(of: packet) { throw StressError("canary got <error \"\(error)\">") }
            }
            if !answered && peer.closed { throw StressError("canary: connection closed") }
            let latency = answered ? Date().timeIntervalSince(start) : timeout
            latencies.update { $0.append(latency) }
            if !answered { timeouts.update { $0 += 1 } }
            let pause = interval - Date().timeIntervalSince(start)
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
    }

    /// Stops the canary and waits for it.
    func stop() {
        worker?.stop()
        worker?.join(timeout: 10)
    }

    var isRunning: Bool { !(worker?.isFinished ?? true) }
}

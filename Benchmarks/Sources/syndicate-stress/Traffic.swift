import Foundation
import Preserves
import Syndicate

/// A session observing `<LABEL $ …>` and reading what the broker sends it at a set pace, on a
/// thread of its own, counting messages and noting an `<error>` and the end of the stream.
final class Consumer: @unchecked Sendable {
    enum Pace: Sendable {
        /// Read as fast as possible.
        case fast
        /// Read at most this many bytes every 10 ms.
        case slow(bytesPer10ms: Int)
        /// Read nothing.
        case stalled
    }

    let pace: Shared<Pace>
    let received = Shared(0)
    /// The first `<error>` packet's message, and whether it came before the end of the stream.
    let error = Shared<String?>(nil)
    let closed = Shared(false)
    /// The stream ended in the middle of a packet.
    let endedMidPacket = Shared(false)
    private let peer: Peer
    private var worker: Worker?

    /// Connects, resolves and observes (waiting until the Observe is in place), then reads on
    /// a thread until stopped, the connection ends, or `maxDuration` passes.
    /// `receiveBuffer`: see ``Peer/tcp(port:timeout:receiveBuffer:)``.
    init(port: Int, label: Symbol, captures: Int, pace: Pace, receiveBuffer: Int? = nil, maxDuration: TimeInterval) throws {
        self.pace = Shared(pace)
        peer = try Peer.tcp(port: port, receiveBuffer: receiveBuffer)
        let ds = try peer.resolve()
        peer.send(Wire.turn(oid: ds, Wire.assert(Wire.observe(label: label, fields: Array(repeating: Wire.capture, count: captures), observer: 1), handle: 2)))
        try peer.sync(ds)
        let end = Date(timeIntervalSinceNow: maxDuration)
        worker = Worker("consumer") { [self] worker in
            while !worker.shouldStop && Date() < end && !peer.closed {
                let tick = Date()
                switch self.pace.get {
                case .stalled:
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                case .slow(let bytes):
                    peer.pump(deadline: tick.addingTimeInterval(0.01), limit: bytes)
                case .fast:
                    peer.pump(deadline: tick.addingTimeInterval(0.05))
                }
                count()
                if case .slow = self.pace.get {
                    let pause = 0.01 - Date().timeIntervalSince(tick)
                    if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                }
            }
            count()
            closed.update { $0 = peer.closed }
            endedMidPacket.update { $0 = peer.closed && peer.hasPartialPacket }
        }
    }

    /// How the stream ended, for a report: `<error "…">, then closed`, `no <error>, …`.
    var ending: String {
        (error.get.map { "<error \"\($0)\">" } ?? "no <error>")
            + (closed.get ? (endedMidPacket.get ? ", then closed in the middle of a packet" : ", then closed") : ", still open")
    }

    private func count() {
        var n = 0
        for packet in peer.takePackets() {
            n += Wire.messageCount(packet)
            if let message = Wire.errorMessage(of: packet) { error.update { $0 = $0 ?? message } }
        }
        if n > 0 { received.update { $0 += n } }
    }

    /// Stops reading and waits for the thread.
    func stop() {
        worker?.stop()
        worker?.join(timeout: 5)
    }

    /// Waits until the reading thread has finished (the stream ended), at most `timeout`.
    func waitUntilFinished(timeout: TimeInterval) -> Bool { worker?.join(timeout: timeout) ?? true }

    func disconnect() {
        stop()
        peer.close()
    }
}

/// A session sending the same message to the dataspace as fast as the broker takes it, on a
/// thread of its own, counting what it has written.
final class Producer: @unchecked Sendable {
    let sent = Shared(0)
    let started: Date
    private(set) var finished: Date?
    /// When `mark` messages had been sent.
    private(set) var markReached: Date?
    private let peer: Peer
    private var worker: Worker?
    private let lock = NSLock()

    /// Sends `total` messages (nil: until stopped), in writes of `batch` one-message packets,
    /// stopping at `maxDuration` at the latest.
    init(port: Int, body: WireValue, total: Int?, batch: Int = 64, mark: Int? = nil, maxDuration: TimeInterval) throws {
        peer = try Peer.tcp(port: port)
        let ds = try peer.resolve()
        let one = Wire.encode(Wire.turn(oid: ds, Wire.message(body)))
        let bytes = Array([[UInt8]](repeating: one, count: batch).joined())
        started = Date()
        let deadline = Date(timeIntervalSinceNow: maxDuration)
        worker = Worker("producer") { [self] worker in
            var count = 0
            while !worker.shouldStop && Date() < deadline && (total.map { count < $0 } ?? true) {
                let n = total.map { min(batch, $0 - count) } ?? batch
                let chunk = n == batch ? bytes : Array(bytes[..<(n * one.count)])
                guard peer.writeRaw(chunk, deadline: deadline) else { break }
                count += n
                sent.update { $0 = count }
                if let mark, count >= mark, count - n < mark { lock.withLock { markReached = Date() } }
            }
            lock.withLock { finished = Date() }
        }
    }

    /// Messages per second from the start until it finished (or now).
    var rate: Double {
        let end = lock.withLock { finished } ?? Date()
        return Double(sent.get) / max(end.timeIntervalSince(started), 1e-3)
    }

    /// Messages per second from the `mark` to the end; nil unless both were reached.
    func rate(after mark: Int) -> Double? {
        let (from, end) = lock.withLock { (markReached, finished) }
        guard let from, let end, sent.get > mark else { return nil }
        return Double(sent.get - mark) / max(end.timeIntervalSince(from), 1e-3)
    }

    var isFinished: Bool { lock.withLock { finished != nil } }

    func waitUntilFinished(timeout: TimeInterval) -> Bool { worker?.join(timeout: timeout) ?? true }

    /// Stops sending (unblocking a write held up by back-pressure) and waits for the thread.
    func stop() {
        worker?.stop()
        peer.close()
        worker?.join(timeout: 5)
    }
}

import BenchmarkSupport
import Foundation

/// Redis pub/sub clients equivalent to the example programs, written on blocking sockets
/// speaking RESP: the baseline the broker is measured against.
enum RedisClients {
    static func command(_ parts: [[UInt8]]) -> [UInt8] {
        var out = Array("*\(parts.count)\r\n".utf8)
        for part in parts {
            out += Array("$\(part.count)\r\n".utf8)
            out += part
            out += [13, 10]
        }
        return out
    }

    static func publish(_ channel: String, _ payload: [UInt8]) -> [UInt8] {
        command([Array("PUBLISH".utf8), Array(channel.utf8), payload])
    }

    static func subscribe(_ channel: String) -> [UInt8] {
        command([Array("SUBSCRIBE".utf8), Array(channel.utf8)])
    }

    /// Like `producer -a perBatch -b padding`: pipelined PUBLISHes, `perBatch` per write, with
    /// at most `window` batches unanswered.
    static func publisher(port: Int, perBatch: Int, padding: Int, window: Int = 16) -> Never {
        guard let socket = BlockingSocket(port: port) else { fatalError("cannot connect to redis") }
        let one = publish("Says", Array("producer".utf8) + [UInt8](repeating: 0, count: padding))
        var batch: [UInt8] = []
        for _ in 0..<perBatch { batch += one }
        var outstanding = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var repliesPending = 0
        while true {
            while outstanding < window {
                socket.write(batch)
                outstanding += 1
            }
            let n = socket.read(into: &buffer)
            if n <= 0 { exit(1) }
            for i in 0..<n where buffer[i] == 10 { repliesPending += 1 }
            while repliesPending >= perBatch {
                repliesPending -= perBatch
                outstanding -= 1
            }
        }
    }

    /// Parses pushed messages `*3 $7 message $ch $payload` from a byte stream.
    struct PushParser {
        private var pending: [UInt8] = []

        /// Appends bytes and returns the payloads of complete `message` pushes.
        mutating func feed(_ bytes: ArraySlice<UInt8>, _ onMessage: ([UInt8]) -> Void) {
            pending += bytes
            var i = 0
            outer: while i < pending.count {
                var j = i
                guard pending[j] == UInt8(ascii: "*"), let (count, afterCount) = number(from: j + 1) else { break }
                j = afterCount
                var elements: [[UInt8]] = []
                for _ in 0..<count {
                    guard j < pending.count else { break outer }
                    let tag = pending[j]
                    guard let (value, afterValue) = number(from: j + 1) else { break outer }
                    if tag == UInt8(ascii: "$") {
                        guard afterValue + value + 2 <= pending.count else { break outer }
                        elements.append(Array(pending[afterValue..<(afterValue + value)]))
                        j = afterValue + value + 2
                    } else {
                        elements.append([])
                        j = afterValue
                    }
                }
                if elements.count == 3, elements[0] == Array("message".utf8) { onMessage(elements[2]) }
                i = j
            }
            pending.removeFirst(i)
        }

        /// A decimal number starting at `index`, ended by CRLF; and the index after the CRLF.
        private func number(from index: Int) -> (Int, Int)? {
            var value = 0
            var k = index
            while k < pending.count, pending[k] != 13 {
                value = value * 10 + Int(pending[k]) - 48
                k += 1
            }
            guard k + 1 < pending.count else { return nil }
            return (value, k + 2)
        }
    }

    /// Like `consumer`: counts messages on `Says`, printing "N messages in the last second".
    static func subscriber(port: Int) -> Never {
        guard let socket = BlockingSocket(port: port) else { fatalError("cannot connect to redis") }
        socket.write(subscribe("Says"))
        let counter = LockedCounter()
        Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                emit("\(counter.take()) messages in the last second")
            }
        }.start()
        var parser = PushParser()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = socket.read(into: &buffer)
            if n <= 0 { exit(1) }
            var count = 0
            parser.feed(buffer[..<n]) { _ in count += 1 }
            counter.add(count)
        }
    }

    /// Like `pingpong pong`: republishes every Ping payload on Pong.
    static func pong(port: Int) -> Never {
        guard let sub = BlockingSocket(port: port), let pub = BlockingSocket(port: port) else { fatalError("cannot connect to redis") }
        drainReplies(pub)
        sub.write(subscribe("Ping"))
        var parser = PushParser()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = sub.read(into: &buffer)
            if n <= 0 { exit(1) }
            var out: [UInt8] = []
            parser.feed(buffer[..<n]) { payload in out += publish("Pong", payload) }
            if !out.isEmpty { pub.write(out) }
        }
    }

    /// Like `pingpong ping -l samples`: one Ping in flight; prints round-trip percentiles.
    static func ping(port: Int, samples: Int) -> Never {
        guard let sub = BlockingSocket(port: port), let pub = BlockingSocket(port: port) else { fatalError("cannot connect to redis") }
        drainReplies(pub)
        sub.write(subscribe("Pong"))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        // Wait for the subscription to be confirmed before the first ping.
        _ = sub.read(into: &buffer)
        func send() { pub.write(publish("Ping", Array("\(nanosecondsNow())".utf8))) }
        var parser = PushParser()
        var rtts: [Double] = []
        send()
        while true {
            let n = sub.read(into: &buffer)
            if n <= 0 { exit(1) }
            var got = 0
            parser.feed(buffer[..<n]) { payload in
                if let sent = UInt64(String(decoding: payload, as: UTF8.self)) {
                    rtts.append(Double(nanosecondsNow() &- sent) / 1e6)
                }
                got += 1
            }
            if rtts.count >= samples {
                emit(percentileLine(rtts.sorted()))
                rtts.removeAll(keepingCapacity: true)
            }
            for _ in 0..<got { send() }
        }
    }

    private static func drainReplies(_ socket: BlockingSocket) {
        Thread {
            var sink = [UInt8](repeating: 0, count: 1 << 16)
            while socket.read(into: &sink) > 0 {}
        }.start()
    }
}

/// The same percentile line `pingpong ping` prints.
func percentileLine(_ sorted: [Double]) -> String {
    func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
    func f(_ x: Double) -> String { String(format: "%.3f", x) }
    return "rtt: 0% \(f(sorted[0])) 50% \(f(at(0.5))) 90% \(f(at(0.9))) 95% \(f(at(0.95))) 99% \(f(at(0.99))) 99.9% \(f(at(0.999))) 99.99% \(f(at(0.9999))) max \(f(sorted[sorted.count - 1])) ms"
}

func nanosecondsNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Writes a line to standard output at once.
func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add(_ n: Int) { lock.withLock { value += n } }
    func take() -> Int { lock.withLock { defer { value = 0 }; return value } }
}

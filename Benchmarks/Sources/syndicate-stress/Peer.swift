import Foundation
import Preserves
import Syndicate

struct StressError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A hand-driven client of the broker on a non-blocking loopback socket: raw TCP, or a
/// WebSocket after an HTTP upgrade. Every operation takes a timeout. Used by one thread at a
/// time.
final class Peer: @unchecked Sendable {
    enum Transport: String, Sendable { case tcp = "TCP", webSocket = "WebSocket" }

    let fd: Int32
    let transport: Transport
    private var framer = PacketFramer()
    /// WebSocket bytes not yet split into frames.
    private var frameBuffer: [UInt8] = []
    private var readBuffer = [UInt8](repeating: 0, count: 256 << 10)
    /// Packets decoded and not yet taken.
    private var pending: [WireValue] = []
    private var pendingStart = 0
    /// The peer closed the connection (or it failed).
    private(set) var closed = false
    /// The messages of the `<error …>` packets received, in order.
    private(set) var errors: [String] = []
    /// Set when what arrived could not be decoded.
    private(set) var undecodable: String?
    private(set) var bytesReceived = 0
    /// The first bytes received (up to 256), to describe an answer that is not packets.
    private(set) var firstBytes: [UInt8] = []
    /// Packets decoded so far.
    private(set) var packetCount = 0
    /// A WebSocket close frame arrived.
    private(set) var closeFrameReceived = false
    private var nextSyncOid = 1_000_000

    // MARK: Connecting

    private init(fd: Int32, transport: Transport) {
        self.fd = fd
        self.transport = transport
    }

    deinit { Foundation.close(fd) }

    /// A raw TCP connection to `127.0.0.1:port`. A `receiveBuffer` size fixes the kernel's
    /// receive buffer (no autotuning, which on loopback may grow it to tens of MiB): the broker
    /// then feels a slow reader at once instead of after the kernel has soaked up its output.
    static func tcp(port: Int, timeout: TimeInterval = 5, receiveBuffer: Int? = nil) throws -> Peer {
        Peer(fd: try connectSocket(port: port, timeout: timeout, receiveBuffer: receiveBuffer), transport: .tcp)
    }

    /// A WebSocket connection to `127.0.0.1:port`, upgraded and ready for frames.
    static func webSocket(port: Int, timeout: TimeInterval = 5) throws -> Peer {
        let peer = try startWebSocket(port: port, timeout: timeout)
        try peer.finishWebSocketHandshake(timeout: timeout)
        return peer
    }

    static func connect(_ transport: Transport, port: Int, timeout: TimeInterval = 5) throws -> Peer {
        transport == .tcp ? try tcp(port: port, timeout: timeout) : try webSocket(port: port, timeout: timeout)
    }

    /// Connects and sends the upgrade request without waiting for the answer (see
    /// ``finishWebSocketHandshake(timeout:)``), so many connections can be opened at once.
    static func startWebSocket(port: Int, timeout: TimeInterval = 5) throws -> Peer {
        let peer = Peer(fd: try connectSocket(port: port, timeout: timeout), transport: .webSocket)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        guard peer.writeRaw(Array(request.utf8), timeout: timeout) else { throw StressError("WebSocket request not sent") }
        return peer
    }

    /// Reads the `101 Switching Protocols` answer; bytes after it are frames.
    func finishWebSocketHandshake(timeout: TimeInterval) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        let terminator: [UInt8] = [13, 10, 13, 10]
        while true {
            if let end = frameBuffer.firstRange(of: terminator) {
                let head = String(decoding: frameBuffer[..<end.lowerBound], as: UTF8.self)
                frameBuffer.removeSubrange(..<end.upperBound)
                guard head.hasPrefix("HTTP/1.1 101") else {
                    throw StressError("WebSocket upgrade refused: \(head.prefix(60))")
                }
                if !frameBuffer.isEmpty { splitFrames() }
                return
            }
            guard let n = readSome(deadline: deadline), n > 0 else {
                throw StressError("no WebSocket upgrade answer")
            }
            frameBuffer += readBuffer[..<n]
        }
    }

    private static func connectSocket(port: Int, timeout: TimeInterval, receiveBuffer: Int? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StressError("socket(): \(String(cString: strerror(errno)))") }
        if let receiveBuffer {
            var size = Int32(receiveBuffer)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if status != 0 {
            guard errno == EINPROGRESS else {
                let reason = String(cString: strerror(errno))
                Foundation.close(fd)
                throw StressError("connect: \(reason)")
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else {
                Foundation.close(fd)
                throw StressError("connect: timed out")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                Foundation.close(fd)
                throw StressError("connect: \(String(cString: strerror(error)))")
            }
        }
        return fd
    }

    // MARK: Writing

    /// Writes all of `bytes` as they are (no WebSocket framing). False on error or timeout.
    @discardableResult
    func writeRaw(_ bytes: [UInt8], timeout: TimeInterval = 10) -> Bool {
        writeRaw(bytes, deadline: Date(timeIntervalSinceNow: timeout))
    }

    func writeRaw(_ bytes: [UInt8], deadline: Date) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { closed = true; return false }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&poller, 1, Int32(min(remaining, 1) * 1000) + 1)
        }
        return true
    }

    /// Sends one packet, in binary syntax (one binary message on a WebSocket).
    @discardableResult
    func send(_ packet: WireValue, timeout: TimeInterval = 10) -> Bool {
        sendEncoded(Wire.encode(packet), timeout: timeout)
    }

    /// Sends bytes holding whole packets: as they are on TCP, as one masked binary frame on a
    /// WebSocket.
    @discardableResult
    func sendEncoded(_ bytes: [UInt8], timeout: TimeInterval = 10) -> Bool {
        switch transport {
        case .tcp: return writeRaw(bytes, timeout: timeout)
        case .webSocket: return writeRaw(Self.frame(bytes, opcode: 2, masked: true), timeout: timeout)
        }
    }

    /// A WebSocket frame (RFC 6455 §5.2). Clients must mask; `masked: false` is for abuse.
    static func frame(_ payload: [UInt8], opcode: UInt8, masked: Bool) -> [UInt8] {
        var out: [UInt8] = [0x80 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            out.append(maskBit | UInt8(payload.count))
        } else if payload.count < 65536 {
            out.append(maskBit | 126)
            out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        if masked {
            let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
            out += mask
            out.reserveCapacity(out.count + payload.count)
            for (i, byte) in payload.enumerated() { out.append(byte ^ mask[i & 3]) }
        } else {
            out += payload
        }
        return out
    }

    // MARK: Reading

    /// Waits (until `deadline`) for bytes and reads up to `limit` of them into `readBuffer`.
    /// Returns the count, 0 at end of stream, nil on timeout.
    private func readSome(deadline: Date, limit: Int = Int.max) -> Int? {
        while true {
            let n = readBuffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, limit), 0) }
            if n > 0 { return n }
            if n == 0 { closed = true; return 0 }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { closed = true; return 0 }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, Int32(min(remaining, 1) * 1000) + 1) == 0 && deadline.timeIntervalSinceNow <= 0 { return nil }
        }
    }

    /// Reads what arrives before `deadline` (at most `limit` bytes, one read) and decodes the
    /// packets in it. Returns the bytes read: 0 on timeout or at end of stream (see ``closed``).
    @discardableResult
    func pump(deadline: Date, limit: Int = Int.max) -> Int {
        guard !closed, let n = readSome(deadline: deadline, limit: limit), n > 0 else { return 0 }
        bytesReceived += n
        if firstBytes.count < 256 { firstBytes += readBuffer[..<min(n, 256 - firstBytes.count)] }
        switch transport {
        case .tcp: decode(readBuffer[..<n])
        case .webSocket:
            frameBuffer += readBuffer[..<n]
            splitFrames()
        }
        return n
    }

    /// Reads without blocking until nothing more is waiting (at most `limit` bytes).
    func pumpAvailable(limit: Int = 1 << 30) -> Int {
        var total = 0
        while total < limit {
            let n = pump(deadline: .distantPast, limit: limit - total)
            if n == 0 { break }
            total += n
        }
        return total
    }

    private func splitFrames() {
        var start = 0
        while frameBuffer.count - start >= 2 {
            let b0 = frameBuffer[start], b1 = frameBuffer[start + 1]
            var length = Int(b1 & 0x7F)
            var header = 2
            if length == 126 {
                guard frameBuffer.count - start >= 4 else { break }
                length = Int(frameBuffer[start + 2]) << 8 | Int(frameBuffer[start + 3])
                header = 4
            } else if length == 127 {
                guard frameBuffer.count - start >= 10 else { break }
                length = (0..<8).reduce(0) { $0 << 8 | Int(frameBuffer[start + 2 + $1]) }
                header = 10
            }
            if b1 & 0x80 != 0 { header += 4 } // servers do not mask; skip a key if one came
            guard frameBuffer.count - start >= header + length else { break }
            let payload = frameBuffer[(start + header)..<(start + header + length)]
            switch b0 & 0x0F {
            case 0, 2: decode(payload)
            case 8: closeFrameReceived = true
            default: break
            }
            start += header + length
        }
        frameBuffer.removeSubrange(..<start)
    }

    private func decode(_ bytes: ArraySlice<UInt8>) {
        guard undecodable == nil else { return }
        framer.append(bytes)
        do {
            while let packet = try framer.nextValue() {
                if let message = Wire.errorMessage(of: packet) { errors.append(message) }
                pending.append(packet)
                packetCount += 1
            }
        } catch {
            undecodable = "\(error)"
        }
    }

    /// Bytes of an unfinished packet (or WebSocket frame) are waiting: at the end of the
    /// stream, it was cut off in the middle of a packet.
    var hasPartialPacket: Bool { framer.bufferedByteCount > 0 || !frameBuffer.isEmpty }

    /// Takes every packet decoded so far.
    func takePackets() -> ArraySlice<WireValue> {
        let out = pending[pendingStart...]
        pending = []
        pendingStart = 0
        return out
    }

    /// The next packet, reading until `deadline` if none is waiting.
    func nextPacket(deadline: Date) -> WireValue? {
        while pendingStart == pending.count {
            if closed || pump(deadline: deadline) == 0 && (closed || Date() >= deadline) { return nil }
        }
        let packet = pending[pendingStart]
        pendingStart += 1
        if pendingStart == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingStart = 0
        }
        return packet
    }

    /// Reads packets until one satisfies `match` (returned), an `<error>` arrives (thrown),
    /// the connection closes or `timeout` passes (thrown). Packets before it are dropped.
    func expect(_ what: String, timeout: TimeInterval, _ match: (WireValue) -> Bool) throws -> WireValue {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while let packet = nextPacket(deadline: deadline) {
            if match(packet) { return packet }
            if let message = Wire.errorMessage(of: packet) { throw StressError("\(what): broker sent <error \"\(message)\">") }
        }
        throw StressError("\(what): \(closed ? "connection closed" : "no answer in \(timeout) s")")
    }

    /// Reads (and drops) everything until the connection closes or `timeout` passes; true if
    /// it closed.
    func drainUntilClosed(timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !closed && Date() < deadline {
            pump(deadline: deadline)
            _ = takePackets()
        }
        return closed
    }

    // MARK: Protocol steps

    /// Resolves the well-known sturdy ref; returns the root dataspace's oid.
    func resolve(timeout: TimeInterval = 10) throws -> Int {
        guard send(Wire.resolve(), timeout: timeout) else { throw StressError("resolve: not sent") }
        return try awaitAccepted(timeout: timeout)
    }

    /// Waits for the gatekeeper's `<accepted …>` to an earlier resolve.
    func awaitAccepted(timeout: TimeInterval) throws -> Int {
        let packet = try expect("resolve", timeout: timeout) { Wire.acceptedOid(in: $0) != nil }
        return Wire.acceptedOid(in: packet)!
    }

    /// Sends `<S #:[0 k]>` to `oid` and waits for the `<M #t>` to k: a round trip through
    /// everything sent to `oid` before it. Returns its duration in seconds.
    @discardableResult
    func sync(_ oid: Int, timeout: TimeInterval = 30) throws -> Double {
        let start = Date()
        let k = nextSyncOid
        nextSyncOid += 1
        guard send(Wire.turn(oid: oid, Wire.sync(peer: k)), timeout: timeout) else { throw StressError("sync: not sent") }
        _ = try expect("sync", timeout: timeout) { Wire.hasMessage($0, to: k) }
        return Date().timeIntervalSince(start)
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        closed = true
    }
}

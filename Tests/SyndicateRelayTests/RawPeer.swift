import Foundation
import Preserves
import Syndicate

/// A hand-driven peer on a plain blocking socket, for feeding a relay exact bytes (including
/// hostile ones) and reading back what it answers. Reads are bounded by timeouts.
final class RawPeer: @unchecked Sendable {
    private let fd: Int32
    /// Guarded by `lock`: the blocking reads fill it on a thread of their own.
    private var received: [UInt8] = []
    private let lock = NSLock()
    private var wasReset = false

    /// Whether a read ended with a reset (`ECONNRESET`) rather than end of stream.
    var resetByPeer: Bool { lock.withLock { wasReset } }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    /// Connects to `port` on the IPv6 loopback address, `::1`.
    init(ipv6LoopbackPort port: Int) throws {
        fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        address.sin6_addr = in6addr_loopback
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        guard status == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in unixPath.utf8.enumerated() where i < raw.count - 1 { raw[i] = byte }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    /// Writes all of `bytes`; `false` if the connection refused them (closed or reset).
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Reads until `done` holds for what has arrived, the peer closes, or `timeout` passes.
    /// Returns everything received, and whether the peer closed the connection. The blocking
    /// reads run on a thread of their own: blocking one of Swift's few cooperative threads (two
    /// on a 2-core machine) would stall every other test's tasks and timers meanwhile.
    func read(timeout: TimeInterval = 10, until done: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }) async -> (bytes: [UInt8], closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.readBlocking(timeout: timeout, until: done)) }.start()
        }
    }

    /// Reads until the peer closes the connection (or the timeout passes).
    func readToClose(timeout: TimeInterval = 10) async -> (bytes: [UInt8], closed: Bool) {
        await read(timeout: timeout)
    }

    /// ``read(timeout:until:)``, blocking the calling thread.
    func readBlocking(timeout: TimeInterval = 10, until done: ([UInt8]) -> Bool = { _ in false }) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !done(lock.withLock { received }) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(remaining * 1000))
            // A signal (other tests signal processes, and handle signals, in this one) is not a timeout.
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == ECONNRESET { lock.withLock { wasReset = true } }
            if n <= 0 { return (lock.withLock { received }, true) }
            lock.withLock { received += buffer[..<n] }
        }
        return (lock.withLock { received }, false)
    }

    /// The packets received so far, decoded with the relay's own framer.
    func packets() throws -> [WirePacket] {
        var framer = PacketFramer()
        framer.append(lock.withLock { received })
        var out: [WirePacket] = []
        while let packet = try framer.next() { out.append(packet) }
        return out
    }
}

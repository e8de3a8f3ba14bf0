import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP forwarder on loopback for link-cut tests: listens on `listenHost:listenPort` and
/// copies bytes both ways to `targetHost:targetPort`, on threads of its own (blocking sockets,
/// never the cooperative pool). ``cut()`` drops every forwarded connection mid-stream and stops
/// accepting; ``restore()`` accepts again on the same port.
final class CuttableTCPProxy: @unchecked Sendable {
    let listenHost: String
    let listenPort: Int
    let targetHost: String
    let targetPort: Int
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var sockets: Set<Int32> = []
    private var generation = 0

    init(listenHost: String, listenPort: Int, targetHost: String, targetPort: Int) throws {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.targetHost = targetHost
        self.targetPort = targetPort
        try restore()
    }

    deinit { cut() }

    struct SocketError: Error { let what: String; let errno: Int32 }

    private static func address(_ host: String, _ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }

    /// Starts accepting (again).
    func restore() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.address(listenHost, listenPort)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            let error = SocketError(what: "bind/listen \(listenHost):\(listenPort)", errno: errno)
            close(fd)
            throw error
        }
        let generation = lock.withLock { () -> Int in
            listener = fd
            self.generation += 1
            return self.generation
        }
        Thread { [self] in acceptLoop(fd, generation) }.start()
    }

    /// Drops every forwarded connection and stops accepting.
    func cut() {
        lock.withLock {
            if listener >= 0 {
                shutdown(listener, Int32(SHUT_RDWR))
                close(listener)
                listener = -1
            }
            // Pumps take their sockets out of the set before closing them.
            for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop(_ fd: Int32, _ generation: Int) {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.address(targetHost, targetPort)
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            let live = lock.withLock { () -> Bool in
                guard self.generation == generation, listener == fd, connected == 0 else { return false }
                sockets.insert(client)
                sockets.insert(upstream)
                return true
            }
            guard live else {
                close(client)
                close(upstream)
                continue
            }
            let pair = PumpPair()
            Thread { [self] in pump(from: client, to: upstream, pair) }.start()
            Thread { [self] in pump(from: upstream, to: client, pair) }.start()
        }
    }

    /// The two directions of one forwarded connection; the second to finish closes both sockets.
    private final class PumpPair: @unchecked Sendable {
        private let lock = NSLock()
        private var finished = 0
        func finish() -> Bool { lock.withLock { finished += 1; return finished == 2 } }
    }

    /// Copies until either side ends, then ends both.
    private func pump(from source: Int32, to sink: Int32, _ pair: PumpPair) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        outer: while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { send(sink, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                if m <= 0 { break outer }
                sent += m
            }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(sink, Int32(SHUT_RDWR))
        guard pair.finish() else { return }
        lock.withLock {
            sockets.remove(source)
            sockets.remove(sink)
        }
        close(source)
        close(sink)
    }
}

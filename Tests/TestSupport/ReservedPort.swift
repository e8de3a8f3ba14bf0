#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback port held for a test whose connectors dial it before (or after) its listener
/// exists: a socket bound to it with `SO_REUSEADDR` and not listening. While it is held,
/// connecting to the port is refused (as to a free port), the kernel hands it to no other
/// `bind` to port 0 (so no other test's listener gets it while this test's retrying
/// connectors still dial it), and a listener with `SO_REUSEADDR` (every direct-mode listener
/// and `syndicate-server`'s relay listeners set it) can bind it.
///
/// Taking a port by binding port 0 and closing again does not hold it: a test running in
/// parallel may get it for a listener of its own, and this test's retrying connectors then
/// join that listener as strays (`broadcastReachesEveryReceiver` lost a slot to one).
public final class ReservedPort: Sendable {
    /// The held port.
    public let port: Int
    /// The loopback address it is held on.
    public let host: String
    private let descriptor: Int32

    /// Why a port could not be held (the failing call and its errno).
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Holds a free port on `host` (a loopback address such as `127.0.0.2`).
    public init(host: String = "127.0.0.1") throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw Failure(description: "bind: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw Failure(description: "getsockname: errno \(errno)")
        }
        descriptor = fd
        self.host = host
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `HOST:PORT`.
    public var address: String { "\(host):\(port)" }

    deinit { close(descriptor) }

    /// Runs `body` with a port held for its whole length.
    public static func with<R: Sendable>(_ body: (ReservedPort) async throws -> R) async throws -> R {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        return try await body(reserved)
    }
}

import Foundation
import Preserves
import Syndicate
import SyndicateServer
import TestSupport
import Testing

/// `syndicate-server`'s network edge, through the binary: where `-p` binds, what happens when
/// it cannot, connection logs, and running out of file descriptors.
@Suite("syndicate-server network edge", .serialized)
struct ServerNetworkTests {
    static var serverPath: String { ServerBinaryTests.serverPath }

    /// Whether `peer` gets an answer to resolving the well-known ref within `timeout`.
    static func served(_ peer: RawPeer, timeout: TimeInterval = 5) async -> Bool {
        peer.write(WirePackets.encode(WirePackets.resolve(WirePackets.wellKnown)))
        _ = await peer.read(timeout: timeout) { bytes in (try? RelayProtocolTests.decode(bytes)).flatMap(WirePackets.acceptedOid(in:)) != nil }
        return (try? peer.packets()).flatMap(WirePackets.acceptedOid(in:)) != nil
    }

    /// The local addresses, in `/proc/net/tcp`'s hex, of the sockets listening on `port`.
    static func listeningAddresses(port: Int) -> [String] {
        var out: [String] = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // Read to the end: /proc files report size 0, and a whole-file read may stop at the
            // first page when many sockets are open.
            guard let data = FileHandle(forReadingAtPath: file)?.readDataToEndOfFile() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[3] == "0A" else { continue }
                let local = fields[1].split(separator: ":")
                if local.count == 2, Int(local[1], radix: 16) == port { out.append(String(local[0])) }
            }
        }
        return out
    }

    static var hasIPv6Loopback: Bool {
        (try? String(contentsOfFile: "/proc/net/if_inet6", encoding: .utf8))?.contains("00000000000000000000000000000001") ?? false
    }

    @Test("-p takes PORT, HOST:PORT or [IPV6]:PORT; a bare port means every interface")
    func portOptionForms() throws {
        #expect(try TCPListenAddress(parsing: "9001") == TCPListenAddress(host: "0.0.0.0", port: 9001))
        #expect(try TCPListenAddress(parsing: "127.0.0.1:9001") == TCPListenAddress(host: "127.0.0.1", port: 9001))
        #expect(try TCPListenAddress(parsing: "[::1]:0") == TCPListenAddress(host: "::1", port: 0))
        #expect(try TCPListenAddress(parsing: "localhost:80") == TCPListenAddress(host: "localhost", port: 80))
        for bad in ["", "x", "99999", "-1", "127.0.0.1", "127.0.0.1:", ":9001", "::1:9001", "[::1]", "[::1]9001", "[]:1", "a:b", "1.2.3.4:70000", "a b:1"] {
            #expect(throws: TCPListenAddressError.self, "\(bad)") { try TCPListenAddress(parsing: bad) }
        }
    }

    @Test("-p 127.0.0.1:PORT binds the IPv4 loopback only, and serves there")
    func loopbackIPv4() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let server = try InteractiveProcess(Self.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner"], includeStandardError: true)
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        #expect(Self.listeningAddresses(port: port) == ["0100007F"])
        await #expect(Self.served(try RawPeer(port: port)))
        server.kill()
    }

    @Test("-p [::1]:PORT binds the IPv6 loopback only, and serves there", .enabled(if: hasIPv6Loopback))
    func loopbackIPv6() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let server = try InteractiveProcess(Self.serverPath, ["-p", "[::1]:\(port)", "--no-banner"], includeStandardError: true)
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        #expect(Self.listeningAddresses(port: port) == ["00000000000000000000000001000000"])
        await #expect(Self.served(try RawPeer(ipv6LoopbackPort: port)))
        #expect(throws: (any Error).self) { try RawPeer(port: port) }
        server.kill()
    }

    @Test("a bad -p value is refused with a message naming the option")
    func badPortValue() async throws {
        for bad in ["127.0.0.1", "::1:9001", "localhost:99999", "nine"] {
            let result = try await ProcessRunner.run(Self.serverPath, ["-p", bad, "--no-banner"])
            #expect(result.status == 64, "\(bad): \(result.output)")
            #expect(result.output.contains("-p") && result.output.contains(bad), "\(bad): \(result.output)")
        }
    }

    @Test("a -p port that is already taken ends the server with an error")
    func portTaken() async throws {
        // Hold the port with a listening socket of our own.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let server = try InteractiveProcess(Self.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner"], includeStandardError: true)
        let status = await server.exitStatus(timeout: 15)
        #expect(status != nil && status != 0, "exit status \(String(describing: status))")
        #expect(server.transcript.contains { $0.contains("could not listen") && $0.contains("\(port)") }, "\(server.transcript)")
        server.kill()
    }

    @Test("connections and disconnections are logged at debug level, with the peer's address")
    func connectionLogs() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let server = try InteractiveProcess(Self.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner", "--log-level", "debug"], includeStandardError: true)
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        do {
            let peer = try RawPeer(port: port)
            peer.write([0x80])
            #expect(await server.waitForLine { $0.contains("connection opened") && $0.contains("127.0.0.1") } != nil)
        }
        #expect(await server.waitForLine { $0.contains("connection closed") && $0.contains("127.0.0.1") } != nil)
        server.kill()
    }

    /// User plus system CPU time of process `pid` so far, in seconds (Linux).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Lowers process `pid`'s soft limit on open files to `limit` (Linux `prlimit`).
    static func setFileLimit(pid: Int32, _ limit: Int) -> Bool {
        #if os(Linux)
        // glibc declares prlimit only for _GNU_SOURCE, which Swift's Glibc module leaves out.
        typealias Prlimit = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "prlimit") else { return false }
        let prlimit = unsafeBitCast(symbol, to: Prlimit.self)
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        var current = rlimit()
        guard prlimit(pid, resource, nil, &current) == 0 else { return false }
        var lowered = current
        lowered.rlim_cur = rlim_t(limit)
        return prlimit(pid, resource, &lowered, nil) == 0
        #else
        return false
        #endif
    }

    static func isAcceptWarning(_ line: String) -> Bool { line.contains("warning") && line.contains("accept") }

    @Test("out of file descriptors, the server backs off accepting, warns, and recovers when some free up",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/stat")))
    func fileDescriptorExhaustion() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let server = try InteractiveProcess(Self.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner", "--threads", "1"], includeStandardError: true)
        defer { server.kill() }
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        // Room for about 40 more descriptors (set from outside, so this process's limit is untouched).
        let pid = server.processIdentifier
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
        #expect(Self.setFileLimit(pid: pid, open + 40))

        // Open sessions until one is not served because the server is out of descriptors (it
        // says so; without the warning, three unserved in a row will do).
        var served: [RawPeer] = []
        var unserved: [RawPeer] = []
        for _ in 0..<100 {
            let peer = try RawPeer(port: port)
            if await Self.served(peer, timeout: 2) { served.append(peer); continue }
            unserved.append(peer)
            if server.transcript.contains(where: Self.isAcceptWarning) || unserved.count == 3 { break }
        }
        let waiting = try #require(unserved.last, "never ran out of descriptors")
        #expect(served.count > 10)
        #expect(server.transcript.contains(where: Self.isAcceptWarning), "no warning logged")

        // Backing off, not spinning.
        let before = try #require(Self.cpuSeconds(pid: pid))
        try await Task.sleep(for: .seconds(2))
        let after = try #require(Self.cpuSeconds(pid: pid))
        #expect(after - before < 0.3, "the server used \(after - before) s of CPU in 2 s while out of descriptors")
        let warnings = server.transcript.filter(Self.isAcceptWarning).count
        #expect(warnings == 1, "\(warnings) warnings in about 2 s")

        // Free some: the waiting clients and a new one are served.
        served.removeLast(10)
        _ = await waiting.read(timeout: 10) { bytes in (try? RelayProtocolTests.decode(bytes)).flatMap(WirePackets.acceptedOid(in:)) != nil }
        #expect((try? waiting.packets()).flatMap(WirePackets.acceptedOid(in:)) != nil)
        await #expect(Self.served(try RawPeer(port: port)))
        _ = (served, unserved)
    }
}

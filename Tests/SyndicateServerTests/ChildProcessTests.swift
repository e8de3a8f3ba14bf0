import Foundation
@testable import SyndicateServer
import Testing

/// The daemon spawner: children inherit nothing but their three standard streams, and their
/// exit is seen at once whatever else is running (Foundation's `Process` on Linux missed a
/// one-shot's exit until a concurrently spawned daemon, which had inherited its exit socket,
/// was itself killed).
@Suite("daemon child processes")
struct ChildProcessTests {
    static func spawn(_ script: String, pipeStdin: Bool = false) throws -> ChildProcess {
        try ChildProcess.spawn(
            executable: "/bin/sh", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"],
            directory: nil, pipeStdin: pipeStdin)
    }

    static func output(of child: ChildProcess) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(child.stdout, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        close(child.stdout)
        close(child.stderr)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("a child holds only stdin, stdout and stderr, even where the parent has inheritable descriptors open")
    func inheritsOnlyStandardStreams() async throws {
        // An inheritable socket pair, as Foundation's Process makes for every child it runs.
        var leaky: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &leaky) == 0)
        defer { leaky.forEach { close($0) } }
        let child = try Self.spawn("exec sleep 30")
        defer {
            child.signal(SIGKILL)
            close(child.stdout)
            close(child.stderr)
        }
        // posix_spawn returns once the child has exec'd, so its descriptor table is final.
        let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").compactMap(Int32.init).sorted()
        #expect(held == [0, 1, 2])
    }

    @Test("a short child's exit is seen while a long-running sibling spawned alongside it still runs")
    func exitSeenDespiteSiblings() async throws {
        let siblings = try (0..<8).map { _ in try Self.spawn("exec sleep 30") }
        defer {
            for sibling in siblings {
                sibling.signal(SIGKILL)
                close(sibling.stdout)
                close(sibling.stderr)
            }
        }
        let started = ContinuousClock.now
        let short = try Self.spawn("echo done; exit 7")
        #expect(Self.output(of: short) == "done\n")
        #expect(await short.termination() == .exited(7))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("termination reports the signal that ended the child, and signalling a reaped child does nothing")
    func signalledAndReaped() async throws {
        let child = try Self.spawn("exec sleep 30", pipeStdin: true)
        #expect(child.stdin != nil)
        child.signal(SIGTERM)
        #expect(await child.termination() == .signalled(SIGTERM))
        child.signal(SIGKILL)  // the pid may belong to someone else by now: must not be sent
        #expect(await child.termination() == .signalled(SIGTERM))
        [child.stdin, child.stdout, child.stderr].compactMap { $0 }.forEach { close($0) }
    }

    @Test("a program that cannot be run is a typed error naming the call, not a crash")
    func unrunnable() {
        #expect(throws: ChildProcess.SpawnError.self) {
            try ChildProcess.spawn(executable: "/nonexistent/program", arguments: [], environment: [:], directory: nil, pipeStdin: false)
        }
        #expect(throws: ChildProcess.SpawnError.self) {
            try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", "true"], environment: [:], directory: "/nonexistent/dir", pipeStdin: false)
        }
    }
}

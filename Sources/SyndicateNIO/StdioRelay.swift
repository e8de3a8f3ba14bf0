import Foundation
import Logging
import NIOCore
import NIOPosix
import Syndicate

/// A relay session over this process's standard input and output, as used by
/// `syndicate-server --inferior` and by services started with `protocol: application/syndicate`.
public enum StdioRelay {
    /// Exports `initialRef` as oid 0 to the peer on the other end of stdin/stdout.
    public static func serve(
        exporting initialRef: Ref, limits: RelayLimits = .default,
        logger: Logger = Logger(label: "syndicate.stdio"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RelaySession {
        let holder = SessionHolder()
        let start: @Sendable (ChannelRelayTransport) -> RelaySession = { transport in
            let session = RelaySession.accept(name: "stdio", transport: transport, exporting: initialRef, limits: limits, logger: logger, executor: transport.executor)
            holder.session = session
            return session
        }
        _ = try await open(group: group, limits: limits, logger: logger, startSession: start)
        guard let session = holder.session else {
            throw RelayError(.protocolViolation, "standard input and output could not carry a session")
        }
        return session
    }
}

extension StdioRelay {
    /// Connects to the peer at the other end of a pair of pipes (a child process's stdout,
    /// read as `input`, and its stdin, written as `output`): a client session importing the
    /// peer's oid 0, written in `syntax` until the peer shows its own. Takes ownership of both
    /// descriptors.
    public static func connect(
        input: Int32, output: Int32, name: String, syntax: WireSyntax = .binary, limits: RelayLimits = .default,
        logger: Logger = Logger(label: "syndicate.stdio"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RelayConnection {
        let ready = ConnectionPromise()
        let start: @Sendable (ChannelRelayTransport) -> RelaySession = { transport in
            let session = RelaySession.connect(name: name, transport: transport, limits: limits, logger: logger,
                                               executor: transport.executor, syntax: syntax) { peer in
                ready.peerImported(peer)
            }
            ready.sessionStarted(session)
            return session
        }
        let channel = try await open(group: group, limits: limits, logger: logger, input: input, output: output, startSession: start)
        do {
            return try await ready.connection()
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// A channel over (duplicates of) stdin and stdout, running a relay session.
    static func open(
        group: any EventLoopGroup, limits: RelayLimits, logger: Logger,
        startSession: @escaping @Sendable (ChannelRelayTransport) -> RelaySession
    ) async throws -> any Channel {
        try await open(group: group, limits: limits, logger: logger,
                       input: pollable(dup(0), reading: true), output: pollable(dup(1), reading: false), startSession: startSession)
    }

    /// A channel over the descriptors `input` and `output`, running a relay session.
    static func open(
        group: any EventLoopGroup, limits: RelayLimits, logger: Logger, input: Int32, output: Int32,
        startSession: @escaping @Sendable (ChannelRelayTransport) -> RelaySession
    ) async throws -> any Channel {
        try await NIOPipeBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayStreamHandler(limits: limits, logger: logger, startSession: startSession))
                }
            }
            .takingOwnershipOfDescriptors(input: input, output: output).get()
    }

    /// `fd` itself if the event loop can poll it (pipes, sockets, terminals); for a regular
    /// file, which epoll refuses (`--inferior > log` would otherwise fail), one end of a pipe
    /// that a thread of its own copies to or from the file.
    static func pollable(_ fd: Int32, reading: Bool) -> Int32 {
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return fd }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return fd }
        let (from, to) = reading ? (fd, ends[1]) : (ends[0], fd)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                var offset = 0
                while offset < n {
                    let w = buffer[offset..<n].withUnsafeBytes { write(to, $0.baseAddress, $0.count) }
                    if w < 0 && errno == EINTR { continue }
                    guard w > 0 else { break }
                    offset += w
                }
                if offset < n { break }
            }
            close(from)
            close(to)
        }
        thread.name = reading ? "stdin copier" : "stdout copier"
        thread.start()
        return reading ? ends[0] : ends[1]
    }
}

final class SessionHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var _session: RelaySession?
    var session: RelaySession? {
        get { lock.withLock { _session } }
        set { lock.withLock { _session = newValue } }
    }
}

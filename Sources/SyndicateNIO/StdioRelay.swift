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
    /// A channel over (duplicates of) stdin and stdout, running a relay session.
    static func open(
        group: any EventLoopGroup, limits: RelayLimits, logger: Logger,
        startSession: @escaping @Sendable (ChannelRelayTransport) -> RelaySession
    ) async throws -> any Channel {
        try await NIOPipeBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayStreamHandler(limits: limits, logger: logger, startSession: startSession))
                }
            }
            .takingOwnershipOfDescriptors(input: dup(0), output: dup(1)).get()
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

import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Preserves
import Syndicate
import SyndicateProtocols

/// An open client link: the session and the peer's initial object (its gatekeeper).
public struct RelayConnection: Sendable {
    public let session: RelaySession
    /// The peer's oid 0.
    public let peer: Ref
}

/// Opens client links to relay peers.
public enum RelayConnector {
    /// Connects to `address` and starts a relay session; returns once the session has
    /// imported the peer's oid 0.
    ///
    /// `onPeer`, if given, is called with the peer's oid 0 in the session's first turn, on the
    /// connection's thread, before this returns: a client that sends its first request from
    /// there does not wait for the calling task to be resumed (on a busy cooperative pool that
    /// can take longer than a broker's handshake timeout).
    public static func connect(
        _ address: RelayAddress, limits: RelayLimits = .default,
        logger: Logger = Logger(label: "syndicate.relay"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onPeer: (@Sendable (Ref) -> Void)? = nil
    ) async throws -> RelayConnection {
        var onPeerIn: (@Sendable (Ref, EventLoopExecutor) -> Void)?
        if let onPeer { onPeerIn = { peer, _ in onPeer(peer) } }
        return try await connect(address, limits: limits, logger: logger, group: group, onPeerIn: onPeerIn)
    }

    /// `connect(_:limits:logger:group:onPeer:)` whose `onPeerIn` also gets the session's
    /// executor (the connection's event loop), for an actor that is to share it.
    package static func connect(
        _ address: RelayAddress, limits: RelayLimits, logger: Logger, group: any EventLoopGroup,
        onPeerIn onPeer: (@Sendable (Ref, EventLoopExecutor) -> Void)?
    ) async throws -> RelayConnection {
        let ready = ConnectionPromise()
        let name = "\(address)"
        let start: @Sendable (ChannelRelayTransport) -> RelaySession = { transport in
            let executor = transport.executor
            let session = RelaySession.connect(name: name, transport: transport, limits: limits, logger: logger, executor: executor) { peer in
                onPeer?(peer, executor)
                ready.peerImported(peer)
            }
            ready.sessionStarted(session)
            return session
        }
        let channel: any Channel
        switch address {
        case .tcp(let host, let port):
            channel = try await streamBootstrap(group, limits, logger, start).connect(host: host, port: port).get()
        case .unix(let path):
            channel = try await streamBootstrap(group, limits, logger, start).connect(unixDomainSocketPath: path).get()
        case .stdio:
            channel = try await StdioRelay.open(group: group, limits: limits, logger: logger, startSession: start)
        case .webSocket(let url):
            channel = try await connectWebSocket(url: url, group: group, limits: limits, logger: logger, start: start)
        }
        do {
            return try await ready.connection()
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static func streamBootstrap(
        _ group: any EventLoopGroup, _ limits: RelayLimits, _ logger: Logger,
        _ start: @escaping @Sendable (ChannelRelayTransport) -> RelaySession
    ) -> ClientBootstrap {
        ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayStreamHandler(limits: limits, logger: logger, startSession: start))
                }
            }
    }

    private static func connectWebSocket(
        url: String, group: any EventLoopGroup, limits: RelayLimits, logger: Logger,
        start: @escaping @Sendable (ChannelRelayTransport) -> RelaySession
    ) async throws -> any Channel {
        guard let components = URLComponents(string: url), components.scheme == "ws", let host = components.host else {
            throw RelayAddressError(text: url, reason: "expected a ws:// URL")
        }
        let port = components.port ?? 80
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let upgraded = group.next().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(
                    maxFrameSize: min(limits.maxPacketSize, Int(UInt32.max)),
                    automaticErrorHandling: false,
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addWebSocketRelayHandlers(
                                limits: limits, logger: logger, isClient: true, startSession: start)
                            upgraded.succeed()
                        }
                    })
                return channel.pipeline.addHTTPClientHandlers(
                    withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .connect(host: host, port: port).get()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        channel.closeFuture.whenComplete { _ in upgraded.fail(RelayError(.protocolViolation, "WebSocket upgrade refused")) }
        try await upgraded.futureResult.get()
        return channel
    }
}

/// Carries the session and the peer's first reference from the session's first turn to the
/// task that is connecting.
final class ConnectionPromise: Sendable {
    private let parts = NIOLockedValueBox<(session: RelaySession?, peer: Ref?)>((nil, nil))
    private let outcome = SettledOnce<Result<RelayConnection, RelayError>>()

    func sessionStarted(_ session: RelaySession) {
        parts.withLockedValue { $0.session = session }
        settleIfComplete()
        Task {
            // A session that ends before it is connected fails the wait.
            _ = await session.actor.terminated()
            self.outcome.settle(.failure(RelayError(.protocolViolation, "the connection closed before the session started")))
        }
    }

    func peerImported(_ peer: Ref) {
        parts.withLockedValue { $0.peer = peer }
        settleIfComplete()
    }

    private func settleIfComplete() {
        let (session, peer) = parts.withLockedValue { ($0.session, $0.peer) }
        if let session, let peer { outcome.settle(.success(RelayConnection(session: session, peer: peer))) }
    }

    func connection() async throws -> RelayConnection {
        try await outcome.value().get()
    }
}

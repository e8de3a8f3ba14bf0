import Foundation
import Logging
import NIOCore
import NIOPosix
import Syndicate

/// A listening socket whose connections each become a relay session exporting one object
/// (normally a gatekeeper) as oid 0.
///
/// ```swift
/// let listener = try await RelayListener.bind(.tcp(host: "0.0.0.0", port: 9001), exporting: gatekeeper)
/// ```
///
/// TCP listeners also accept WebSocket connections (detected from the first byte); Unix
/// socket listeners carry the protocol only.
public final class RelayListener: Sendable {
    /// Where a listener listens.
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): return "<tcp \"\(host)\" \(port)>"
            case .unix(let path): return "<unix \"\(path)\">"
            }
        }
    }

    private let channel: any Channel
    private let sessions: SessionTracker
    public let endpoint: Endpoint

    private init(channel: any Channel, endpoint: Endpoint, sessions: SessionTracker) {
        self.channel = channel
        self.endpoint = endpoint
        self.sessions = sessions
    }

    /// Connections open now.
    public var connectionCount: Int { sessions.count }

    /// Each started session's name and the debt of its account: the bytes of work its packets
    /// caused that are still queued (see `Account`).
    public func sessionDebts() -> [(session: String, debt: Int)] { sessions.debts }

    /// The port actually bound (useful after binding port 0), for TCP listeners.
    public var port: Int? { channel.localAddress?.port }

    /// Binds `endpoint`; each accepted connection runs a relay session exporting `initialRef`.
    ///
    /// A connection that has not delivered its first packet (or finished its WebSocket upgrade)
    /// within `limits.handshakeTimeout` is closed; TCP connections get keep-alive
    /// (`limits.tcpKeepAlive`). When accepting fails for want of file descriptors, the listener
    /// pauses accepting and logs a warning rather than retrying at once.
    ///
    /// With `httpd` (TCP only), plain HTTP requests are asserted into that dataspace as
    /// `<request <http-request …> #:res>` and answered by what `res` is sent (http.prs), as
    /// upstream's relay listener does when given an httpd space.
    public static func bind(
        _ endpoint: Endpoint, exporting initialRef: Ref, limits: RelayLimits = .default,
        logger: Logger = Logger(label: "syndicate.listener"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        httpd: Ref? = nil
    ) async throws -> RelayListener {
        try await bind(endpoint, exporting: initialRef, limits: limits, logger: logger, group: group, observer: nil, httpd: httpd)
    }

    /// ``bind(_:exporting:limits:logger:group:)``, telling `observer` (a test hook) about each session.
    static func bind(
        _ endpoint: Endpoint, exporting initialRef: Ref, limits: RelayLimits, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, observer: SessionObserver?,
        httpd: Ref? = nil
    ) async throws -> RelayListener {
        let connectionCounter = ConnectionCounter()
        let http = HTTPPort()
        let sessions = SessionTracker()
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Out of descriptors, pause accepting instead of retrying at once (see AcceptFailureHandler).
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptFailureHandler(logger: logger, endpoint: "\(endpoint)"))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: true)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.socketOption(.so_sndbuf), value: ChannelRelayTransport.kernelSendBufferBytes)
        if case .tcp = endpoint, let keepAlive = limits.tcpKeepAlive {
            bootstrap = bootstrap.childKeepAlive(idle: keepAlive)
        }
        bootstrap = bootstrap
            .childChannelInitializer { channel in
                guard sessions.add(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    let name = "\(endpoint) connection \(connectionCounter.next())"
                    let peer = channel.remoteAddress.map { "\($0)" } ?? "\(endpoint)"
                    logger.debug("connection opened", metadata: ["peer": "\(peer)", "connection": "\(name)"])
                    channel.closeFuture.whenComplete { _ in
                        logger.debug("connection closed", metadata: ["peer": "\(peer)", "connection": "\(name)"])
                    }
                    let start: @Sendable (ChannelRelayTransport) -> RelaySession = { [channel] transport in
                        let session = RelaySession.accept(name: name, transport: transport, exporting: initialRef, limits: limits, logger: logger, executor: transport.executor)
                        sessions.attach(session, to: channel)
                        observer?.sessionStarted(channel, transport, session)
                        return session
                    }
                    let pipeline = channel.pipeline.syncOperations
                    if let timeout = limits.handshakeTimeout {
                        try pipeline.addHandler(HandshakeTimeoutHandler(timeout: TimeAmount(timeout), logger: logger))
                    }
                    switch endpoint {
                    case .tcp:
                        let served = httpd.map { HTTPDataspace(dataspace: $0, port: http.port, sequence: http.sequence) }
                        try pipeline.addHandler(ProtocolDetector(limits: limits, logger: logger, httpd: served, startSession: start))
                    case .unix:
                        try pipeline.addHandler(RelayStreamHandler(limits: limits, logger: logger, startSession: start))
                    }
                }
            }
        let channel: any Channel
        switch endpoint {
        case .tcp(let host, let port):
            channel = try await bootstrap.bind(host: host, port: port).get()
        case .unix(let path):
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        http.port = channel.localAddress?.port ?? 0
        logger.info("listening", metadata: ["endpoint": "\(endpoint)", "port": "\(channel.localAddress?.port ?? 0)"])
        return RelayListener(channel: channel, endpoint: endpoint, sessions: sessions)
    }

    /// Stops accepting connections (open sessions go on).
    public func close() async {
        try? await channel.close()
    }

    /// Stops accepting connections, then ends every open session with an `<error>` saying the
    /// server is shutting down, and waits (at most `gracePeriod`) for them to be written.
    public func shutdown(gracePeriod: Duration = .seconds(1)) async {
        try? await channel.close()
        await sessions.shutdown(gracePeriod: gracePeriod)
    }
}

/// A test hook: sees each session a listener starts, with the objects that carry it (so tests
/// can check that they are all freed once the session ends). Called on the channel's event loop
/// while the relay handler is being added.
struct SessionObserver: Sendable {
    var sessionStarted: @Sendable (_ channel: any Channel, _ transport: ChannelRelayTransport, _ session: RelaySession) -> Void
}

/// Numbers connections for actor names.
/// The port a listener's HTTP requests name (known once bound) and their numbering.
final class HTTPPort: @unchecked Sendable {
    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var bound = 0
    let sequence = HTTPRequestCounter()
    var port: Int {
        get { lock.withLock { bound } }
        set { lock.withLock { bound = newValue } }
    }
}

final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int { lock.withLock { count += 1; return count } }
}

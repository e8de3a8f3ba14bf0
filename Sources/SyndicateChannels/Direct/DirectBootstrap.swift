import NIOCore
import NIOPosix

/// Opens direct-mode engines: binds or connects, runs the accept loop and connections as child
/// tasks of the caller, and closes everything when the body returns, throws or is cancelled.
enum DirectBootstrap {
    static func configure(_ channel: any Channel, engine: DirectEngine) -> EventLoopFuture<DirectConnection> {
        channel.eventLoop.makeCompletedFuture {
            try DirectConnection.configure(channel, maximumFrameLength: engine.options.maximumFrameLength, inbox: engine.inbox)
        }
    }

    /// Listens on `host:port` (port 0: any free port) and runs `body` with the engine.
    static func listening<R: Sendable>(
        host: String, port: Int, options: ChannelOptions, single: Bool = false,
        prepare: (DirectEngine) -> Void = { _ in },
        _ body: (DirectEngine) async throws -> R
    ) async throws -> R {
        let engine = DirectEngine(options: options, single: single)
        prepare(engine)
        let server: NIOAsyncChannel<DirectConnection, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.autoRead, value: true)
                .bind(host: host, port: port) { child in
                    configure(child, engine: engine)
                }
        } catch {
            throw ChannelError.connection(peer: "\(host):\(port)", reason: "cannot listen: \(error)")
        }
        engine.setServerChannel(server.channel)
        return try await run(engine) {
            try? await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await engine.serve(connection) }
                    }
                }
            }
        } body: {
            if options.accept > 0 {
                try await engine.waitForPeers(options.accept, timeout: options.acceptTimeout)
            }
            if single, options.runsOnConnectionLoop, let loop = engine.firstPeerLoop {
                return try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) { try await body(engine) }
            }
            return try await body(engine)
        }
    }

    /// Connects to `host:port`, retrying for `options.retry`, and runs `body` with the engine.
    static func connecting<R: Sendable>(
        host: String, port: Int, options: ChannelOptions, _ body: (DirectEngine) async throws -> R
    ) async throws -> R {
        let engine = DirectEngine(options: options, single: true)
        let connection = try await connect(host: host, port: port, engine: engine)
        return try await run(engine) {
            await engine.serve(connection)
        } body: {
            try await engine.waitForAdmission(timeout: .seconds(10))
            if options.runsOnConnectionLoop {
                return try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.channel.eventLoop)) { try await body(engine) }
            }
            return try await body(engine)
        }
    }

    static func connect(host: String, port: Int, engine: DirectEngine) async throws(ChannelError) -> DirectConnection {
        let options = engine.options
        let clock = ContinuousClock()
        let deadline = options.retry.map { clock.now.advanced(by: $0) }
        while true {
            do {
                return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connectTimeout(.seconds(5))
                    .connect(host: host, port: port) { channel in
                        configure(channel, engine: engine)
                    }
            } catch {
                if Task.isCancelled { throw .closed }
                guard let deadline else {
                    throw .connection(peer: "\(host):\(port)", reason: "\(error)")
                }
                if clock.now.advanced(by: options.retryInterval) > deadline {
                    throw .timedOut("no listener at \(host):\(port) within \(options.retry ?? .zero): \(error)")
                }
                do { try await Task.sleep(for: options.retryInterval) } catch { throw .closed }
            }
        }
    }

    /// Runs `background` beside `body`; when `body` ends, shuts the engine down and waits for the
    /// background work to finish.
    static func run<R: Sendable>(
        _ engine: DirectEngine, background: @escaping @Sendable () async -> Void,
        body: () async throws -> R
    ) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await background() }
            do {
                let result = try await engine.inbox.coveringCancellation(body)
                if !Task.isCancelled { await engine.drain(timeout: .seconds(10)) }
                engine.shutdown()
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                engine.shutdown()
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

import Syndicate
import SyndicateNIO
import SyndicateProtocols

/// Opens broker-mode endpoints: connects (retrying for `options.retry`), announces the
/// endpoint, waits for `accept` peers or for a counterpart, runs the body, and closes what it
/// opened when the body returns, throws or is cancelled.
enum BrokerBootstrap {
    static func open<R: Sendable>(
        _ transport: Transport, role: BrokerRole, options: ChannelOptions, single: Bool = false,
        prepare: (BrokerEngine) -> Void = { _ in },
        _ body: (BrokerEngine) async throws -> R
    ) async throws -> R {
        let client: any BrokerSession, owned: Bool, name: String
        switch transport {
        case .broker(let channel, let address, let sturdyRef):
            client = try await connect(address, sturdyRef, options: options)
            owned = true
            name = channel
        case .brokerClient(let shared, let channel):
            client = shared
            owned = false
            name = channel
        case .direct:
            preconditionFailure("direct transports open through DirectBootstrap")
        }
        let engine = BrokerEngine(client: client, name: name, role: role, options: options, single: single)
        prepare(engine)
        do {
            try await engine.start()
            if role.accepts {
                if options.accept > 0 { try await engine.waitForPeers(options.accept, timeout: options.acceptTimeout) }
            } else {
                try await engine.awaitCounterpart(retry: options.retry)
            }
            let result: R
            if options.runsOnConnectionLoop, let loop = (client as? LoopBrokerSession)?.eventLoop {
                result = try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) { try await body(engine) }
            } else {
                result = try await body(engine)
            }
            await engine.close()
            if owned { await client.close() }
            return result
        } catch {
            await engine.close()
            if owned { await client.close() }
            throw error
        }
    }

    static func connect(_ address: RelayAddress, _ sturdyRef: Sturdy.SturdyRef<Ref>, options: ChannelOptions) async throws(ChannelError) -> LoopBrokerSession {
        let clock = ContinuousClock()
        let deadline = options.retry.map { clock.now.advanced(by: $0) }
        while true {
            do {
                return try await LoopBrokerSession.connect(to: address, sturdyRef: sturdyRef)
            } catch {
                if Task.isCancelled { throw .closed }
                guard let deadline, case .connectionFailed = error else {
                    throw .connection(peer: "\(address)", reason: "\(error)")
                }
                if clock.now.advanced(by: options.retryInterval) > deadline {
                    throw .timedOut("no broker at \(address) within \(options.retry ?? .zero): \(error)")
                }
                do { try await Task.sleep(for: options.retryInterval) } catch { throw .closed }
            }
        }
    }
}

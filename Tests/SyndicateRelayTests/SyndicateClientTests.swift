import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import TestSupport
import Testing

/// The async client API against the real `syndicate-server` binary on loopback.
@Suite("SyndicateClient (async API) against a live broker", .serialized)
struct SyndicateClientTests {
    typealias Tcp = TransportAddress.Tcp

    /// A broker on a fresh loopback port.
    struct Broker {
        let process: InteractiveProcess
        let address: RelayAddress
        /// Held for the broker's life, so no parallel test's listener takes the port.
        let reserved: ReservedPort

        init(_ extraArguments: [String] = []) async throws {
            reserved = try ReservedPort()
            let port = reserved.port
            process = try InteractiveProcess(
                ServerBinaryTests.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner"] + extraArguments, includeStandardError: true)
            address = .tcp(host: "127.0.0.1", port: port)
            guard await process.waitForLine(where: { $0.contains("listening") && $0.contains("\(port)") }) != nil else {
                process.kill()
                throw TestTimeout()
            }
        }
    }

    struct TestTimeout: Error {}

    /// The next item of `iterator` within `timeout`, or a test failure.
    static func next<Element: Sendable>(
        _ iterator: inout DataspaceSubscription<Element>.AsyncIterator, timeout: Duration = .seconds(60)
    ) async throws -> Element? {
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            Issue.record("no item within \(timeout)")
            return ()
        }
        defer { watchdog.cancel() }
        return try await iterator.next()
    }

    @Test("a typed assertion comes back through the dataspace, and cancelling its task retracts it")
    func assertionRoundTripAndCancellation() async throws {
        let broker = try await Broker()
        defer { broker.process.kill() }
        do { try await assertionRoundTripAndCancellation(broker) } catch {
            Issue.record("\(error); the broker said: \(broker.process.transcript.joined(separator: "\n"))")
        }
    }

    func assertionRoundTripAndCancellation(_ broker: Broker) async throws {
        let owner = try await SyndicateClient.connect(to: broker.address)
        let watcher = try await SyndicateClient.connect(to: broker.address)
        var events = try await watcher.assertions(of: Tcp.self).makeAsyncIterator()

        let value = Tcp(host: "example.org", port: 8001)
        let holder = Task { try await owner.hold(value) }
        #expect(try await Self.next(&events) == .added(value))
        holder.cancel()
        #expect(try await Self.next(&events) == .removed(value))
        await #expect(throws: CancellationError.self) { try await holder.value }

        // retract() and close() retract too.
        let explicit = try owner.assert(Tcp(host: "explicit", port: 1))
        #expect(try await Self.next(&events) == .added(Tcp(host: "explicit", port: 1)))
        explicit.retract()
        #expect(try await Self.next(&events) == .removed(Tcp(host: "explicit", port: 1)))
        try owner.assert(Tcp(host: "until-close", port: 2))
        #expect(try await Self.next(&events) == .added(Tcp(host: "until-close", port: 2)))
        await owner.close()
        #expect(try await Self.next(&events) == .removed(Tcp(host: "until-close", port: 2)))
        #expect(throws: SyndicateClientError.closed) { try owner.send(value) }
        await watcher.close()
    }

    @Test("assertions present before subscribing are reported first; values that do not decode are skipped")
    func existingAssertionsAndUndecodableValues() async throws {
        let broker = try await Broker()
        defer { broker.process.kill() }
        try await SyndicateClient.withConnection(to: broker.address) { client in
            try client.assert(.record("tcp", "wrong", "types"))  // matches <tcp _ _>, is no Tcp
            let early = try client.assert(Tcp(host: "early", port: 1))
            try await client.sync()
            var events = try await client.assertions(of: Tcp.self).makeAsyncIterator()
            #expect(try await Self.next(&events) == .added(Tcp(host: "early", port: 1)))
            try client.assert(.record("tcp", 3, 4))
            try client.assert(Tcp(host: "late", port: 2))
            #expect(try await Self.next(&events) == .added(Tcp(host: "late", port: 2)))
            early.retract()
            #expect(try await Self.next(&events) == .removed(Tcp(host: "early", port: 1)))
        }
    }

    @Test("messages arrive typed and in order; a constraint pattern narrows them; cancelling the iterating task ends the subscription")
    func messages() async throws {
        let broker = try await Broker()
        defer { broker.process.kill() }
        let sender = try await SyndicateClient.connect(to: broker.address)
        let receiver = try await SyndicateClient.connect(to: broker.address)
        let all = try await receiver.messages(of: Tcp.self)
        let narrowed = try await receiver.messages(matching: TypedPattern(of: Tcp.self, shape: .rec("tcp", .lit("even"))))
        for i in 0..<200 {
            try sender.send(Tcp(host: i % 2 == 0 ? "even" : "odd", port: SignedInteger(i)))
        }
        var received: [Int] = []
        for try await message in all {
            received.append(Int(message.port.description) ?? -1)
            if received.count == 200 { break }
        }
        #expect(received == Array(0..<200))
        var even = 0
        for try await message in narrowed {
            #expect(message.host == "even")
            even += 1
            if even == 100 { break }
        }
        #expect(even == 100)

        // A task iterating a subscription ends when cancelled.
        let idle = try await receiver.messages(of: Tcp.self)
        let iterating = Task {
            var count = 0
            for try await _ in idle { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(200))
        iterating.cancel()
        #expect(try await iterating.value == 0)
        await sender.close()
        await receiver.close()
    }

    @Test("a batch sent in one turn arrives whole and in order, after what was sent before it")
    func batchedSend() async throws {
        let broker = try await Broker()
        defer { broker.process.kill() }
        let sender = try await SyndicateClient.connect(to: broker.address)
        let receiver = try await SyndicateClient.connect(to: broker.address)
        let all = try await receiver.messages(of: Tcp.self)
        try sender.send(Tcp(host: "single", port: 0))
        try sender.send(contentsOf: (1...300).map { Tcp(host: "batch", port: SignedInteger($0)) })
        try sender.send(contentsOf: [Tcp]())
        try sender.send(Tcp(host: "single", port: 301))
        var iterator = all.makeAsyncIterator()
        var received: [Int] = []
        while received.count < 302, let message = try await Self.next(&iterator) {
            received.append(Int(message.port.description) ?? -1)
        }
        #expect(received == Array(0...301))
        await sender.close()
        #expect(throws: SyndicateClientError.closed) { try sender.send(contentsOf: [Tcp(host: "late", port: 1)]) }
        await receiver.close()
    }

    @Test("refused connections, rejected refs and a killed broker surface as typed errors")
    func typedErrors() async throws {
        let unused = try ReservedPort()
        defer { withExtendedLifetime(unused) {} }
        let nothing = RelayAddress.tcp(host: "127.0.0.1", port: unused.port)
        await #expect {
            _ = try await SyndicateClient.connect(to: nothing)
        } throws: { error in
            if case .connectionFailed = error as? SyndicateClientError { return true }
            return false
        }

        let broker = try await Broker()
        defer { broker.process.kill() }
        let forged: Sturdy.SturdyRef<Ref> = try SturdyRefs.mint(oid: .string("syndicate"), key: Array("not the key".utf8))
        await #expect {
            _ = try await SyndicateClient.connect(to: broker.address, sturdyRef: forged)
        } throws: { error in
            if case .rejected = error as? SyndicateClientError { return true }
            return false
        }

        let client = try await SyndicateClient.connect(to: broker.address)
        let subscription = try await client.messages(of: Tcp.self)
        broker.process.kill()
        await #expect(throws: SyndicateClientError.connectionLost(address: "\(broker.address)")) {
            for try await _ in subscription {}
        }
        #expect(await client.closed() == .connectionLost(address: "\(broker.address)"))
        #expect(throws: SyndicateClientError.connectionLost(address: "\(broker.address)")) {
            try client.send(Tcp(host: "x", port: 1))
        }
        await #expect(throws: SyndicateClientError.connectionLost(address: "\(broker.address)")) {
            try await client.sync()
        }
    }
    @Test("the resolve request goes out as the connection opens, however late the connecting task resumes")
    func connectDoesNotWaitForTheConnectingTask() async throws {
        // A broker that closes connections which send nothing within 0.3 s, and a connecting
        // task resumed 1 s late at every await (a cooperative pool busy with other work): the
        // request must not wait for the task (this was the "connection lost" of busy test runs).
        let broker = try await Broker(["--handshake-timeout", "0.3"])
        defer { broker.process.kill() }
        let late = LateExecutor(delay: 1.0)
        let client = try await withTaskExecutorPreference(late) {
            try await SyndicateClient.connect(to: broker.address)
        }
        try await client.sync()
        let greetings = try await client.messages(of: Tcp.self)
        try client.send(Tcp(host: "still", port: 1))
        var iterator = greetings.makeAsyncIterator()
        #expect(try await Self.next(&iterator) == Tcp(host: "still", port: 1))
        await client.close()
    }
}

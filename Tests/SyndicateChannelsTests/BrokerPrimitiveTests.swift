import Foundation
import Syndicate
import SyndicateChannels
import SyndicateNIO
import SyndicateServer
import Synchronization
import Testing
import TestSupport

/// The five primitives over a real `syndicate-server` (in process, on a loopback port), each
/// endpoint with a connection of its own, as separate services would have.
@Suite(.serialized) struct BrokerPrimitiveTests {
    let json = JSONCodec<Tagged>()

    struct Tagged: Codable, Equatable, Sendable {
        var from: Int
        var seq: Int
    }

    /// A broker on a free port, shut down after `body`.
    static func withBroker<R: Sendable>(handshakeTimeout: Duration? = .seconds(10), _ body: (Int) async throws -> R) async throws -> R {
        var options = ServerOptions()
        options.ports = [0]
        options.limits.handshakeTimeout = handshakeTimeout
        let broker = await SyndicateBroker.start(options)
        do {
            let port = try #require(try await broker.listeningPorts(count: 1).first)
            let result = try await body(port)
            await broker.shutdown(gracePeriod: .milliseconds(200))
            return result
        } catch {
            await broker.shutdown(gracePeriod: .milliseconds(200))
            throw error
        }
    }

    static func on(_ port: Int, _ name: String) -> Transport {
        .broker(name: name, address: .tcp(host: "127.0.0.1", port: port))
    }

    static func retrying(_ options: ChannelOptions = .init()) -> ChannelOptions {
        var options = options
        options.retry = .seconds(20)
        return options
    }

    @Test func mpscKeepsEachSendersOrderAndTellsSendersApart() async throws {
        let senders = 5, perSender = 400
        try await Self.withBroker { port in
            try await Channels.mpscReceiver(Self.on(port, "fan-in"), codec: json) { receiver in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for s in 0..<senders {
                        group.addTask {
                            try await Channels.mpscSender(Self.on(port, "fan-in"), codec: json, options: Self.retrying()) { sender in
                                for i in 0..<perSender { try await sender.send(Tagged(from: s, seq: i)) }
                            }
                        }
                    }
                    var next = [Int](repeating: 0, count: senders)
                    var identities: [Int: Set<Peer>] = [:]
                    for try await received in receiver.withSender {
                        #expect(received.item.seq == next[received.item.from], "sender \(received.item.from) out of order")
                        next[received.item.from] += 1
                        identities[received.item.from, default: []].insert(received.sender)
                        if next.reduce(0, +) == senders * perSender { break }
                    }
                    #expect(next == [Int](repeating: perSender, count: senders))
                    // The sender of an item is the link it came on: one peer per sender, all different.
                    #expect(identities.values.allSatisfy { $0.count == 1 })
                    #expect(Set(identities.values.flatMap { $0 }).count == senders)
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func broadcastReachesEveryReceiver() async throws {
        let receivers = 4, items = 300
        try await Self.withBroker { port in
            var options = ChannelOptions(limit: receivers, accept: receivers)
            options.acceptTimeout = .seconds(30)
            try await withThrowingTaskGroup(of: [Tagged].self) { group in
                for _ in 0..<receivers {
                    group.addTask {
                        try await Channels.broadcastReceiver(Self.on(port, "news"), codec: json, options: Self.retrying()) { receiver in
                            var got: [Tagged] = []
                            for try await item in receiver { got.append(item) }
                            return got
                        }
                    }
                }
                try await Channels.broadcastSender(Self.on(port, "news"), codec: json, options: options) { sender in
                    #expect(sender.peerCount == receivers && sender.isFull)
                    for i in 0..<items { try await sender.send(Tagged(from: 0, seq: i)) }
                }
                // The sender closed: each receiver's sequence ended after every item.
                for try await got in group {
                    #expect(got == (0..<items).map { Tagged(from: 0, seq: $0) })
                }
            }
        }
    }

    @Test func limitRefusesExtraPeersAndAcceptWaitsForN() async throws {
        try await Self.withBroker { port in
            try await Channels.mpscReceiver(Self.on(port, "limited"), codec: json, options: .init(limit: 2)) { receiver in
                let events = receiver.events
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for s in 0..<2 {
                        group.addTask {
                            try await Channels.mpscSender(Self.on(port, "limited"), codec: json, options: Self.retrying()) { sender in
                                try await sender.send(Tagged(from: s, seq: 0))
                                try await Task.sleep(for: .seconds(60))
                            }
                        }
                    }
                    try await receiver.waitForPeers(2, timeout: .seconds(20))
                    #expect(receiver.isFull && receiver.limit == 2)
                    // A third is refused with the receiver's limit, as a typed error at open.
                    await #expect(throws: ChannelError.limitReached(limit: 2)) {
                        try await Channels.mpscSender(Self.on(port, "limited"), codec: json, options: Self.retrying()) { _ in }
                    }
                    var refused = false
                    for await event in events {
                        if case .refused(_, let reason) = event {
                            #expect(reason == .limitReached(limit: 2))
                            refused = true
                            break
                        }
                    }
                    #expect(refused && receiver.peerCount == 2)
                    group.cancelAll()
                }
            }
        }
    }

    /// How a subscriber saw a peer go: `clean` (it announced its leave) or the reason given.
    static func describe(_ event: PeerEvent) -> String? {
        switch event {
        case .joined(let peer): return "joined \(peer.address)"
        case .left(let peer, nil): return "left \(peer.address) clean"
        case .left(let peer, .connection?): return "left \(peer.address) connection"
        case .left(let peer, let reason?): return "left \(peer.address) \(reason)"
        case .refused: return nil
        }
    }

    static func program(_ arguments: [String], port: Int, includeStandardError: Bool = false) throws -> InteractiveProcess {
        try InteractiveProcess(
            BuiltExecutables.path("syndicate-channels"),
            arguments + ["--broker", "<tcp \"127.0.0.1\" \(port)>", "--retry", "20"], includeStandardError: includeStandardError)
    }

    @Test func joinsAndLeavesReachEverySubscriberIncludingAKilledProcess() async throws {
        try await Self.withBroker { port in
            try await Channels.mpscReceiver(Self.on(port, "crash"), codec: JSONCodec<Int>()) { receiver in
                let first = receiver.events, second = receiver.events
                // One sender leaves cleanly (it stops after its count), the other is killed.
                let tidy = try Self.program(["mpsc", "send", "--name", "crash", "--label", "tidy", "--count", "1"], port: port)
                tidy.send("40")
                #expect(try await receiver.receive() == 40)
                #expect(await tidy.exitStatus(timeout: 20) == 0)
                let doomed = try Self.program(["mpsc", "send", "--name", "crash", "--label", "doomed"], port: port)
                doomed.send("41")
                doomed.send("42")
                var items: [Int] = []
                for try await item in receiver {
                    items.append(item)
                    if items.count == 2 { break }
                }
                #expect(items == [41, 42])
                #expect(receiver.peers.map(\.address) == ["doomed"])
                doomed.signal(SIGKILL)
                // Both subscribers see the joins, the clean leave without a reason, and the
                // leave of the dead session (retracted by the broker) with a connection reason.
                for events in [first, second] {
                    var seen: [String] = []
                    for await event in events {
                        guard let line = Self.describe(event) else { continue }
                        seen.append(line)
                        if seen.count == 4 { break }
                    }
                    #expect(seen == ["joined tidy", "left tidy clean", "joined doomed", "left doomed connection"])
                }
                #expect(receiver.peerCount == 0)
                _ = await doomed.exitStatus(timeout: 10)
            }
        }
    }

    @Test func everyReceiverSeesAKilledSenderLeaveWithAConnectionReason() async throws {
        let receivers = 3
        try await Self.withBroker { port in
            let sender = try Self.program(["broadcast", "send", "--name", "doomed-news", "--label", "anchor", "--accept", "\(receivers)"], port: port, includeStandardError: true)
            defer { sender.kill() }
            let ready = Locked(0), delivered = Locked(0)
            try await withThrowingTaskGroup(of: (items: [Int], events: [String], end: String).self) { group in
                for _ in 0..<receivers {
                    group.addTask {
                        try await Channels.broadcastReceiver(Self.on(port, "doomed-news"), codec: JSONCodec<Int>(), options: Self.retrying()) { receiver in
                            let events = receiver.events
                            ready.withLock { $0 += 1 }
                            var items: [Int] = []
                            var end = "ended"
                            do {
                                for try await item in receiver {
                                    items.append(item)
                                    if items.count == 2 { delivered.withLock { $0 += 1 } }
                                }
                            } catch {
                                end = "\(error)"
                            }
                            var seen: [String] = []
                            for await event in events {
                                guard let line = Self.describe(event) else { continue }
                                seen.append(line)
                                if seen.count == 2 { break }
                            }
                            return (items, seen, end)
                        }
                    }
                }
                while ready.withLock({ $0 }) < receivers { try await Task.sleep(for: .milliseconds(20)) }
                sender.send("1")
                sender.send("2")
                // Killed once every receiver has both items; their streams end after them.
                let deadline = ContinuousClock.now.advanced(by: .seconds(30))
                while delivered.withLock({ $0 }) < receivers, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                sender.signal(SIGKILL)
                for try await outcome in group {
                    #expect(outcome.items == [1, 2], "the sender said: \(sender.transcript)")
                    #expect(outcome.events == ["joined anchor", "left anchor connection"])
                }
            }
        }
    }

    @Test func barrierCountsArrivalsAndReleasesLateOnes() async throws {
        try await Self.withBroker { port in
            try await Channels.barrier(Self.on(port, "start")) { barrier in
                let released = Locked(0)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<3 {
                        group.addTask {
                            try await Channels.barrierWaiter(Self.on(port, "start"), options: Self.retrying()) { waiter in
                                try await waiter.wait()
                                released.withLock { $0 += 1 }
                            }
                        }
                    }
                    try await barrier.waitForArrivals(3, timeout: .seconds(20))
                    #expect(barrier.waiterCount == 3 && released.withLock { $0 } == 0)
                    try await barrier.release()
                    try await group.waitForAll()
                    #expect(released.withLock { $0 } == 3)
                    // The release is state: a waiter arriving after it is released at once.
                    try await Channels.barrierWaiter(Self.on(port, "start"), options: Self.retrying()) { waiter in
                        try await waiter.wait()
                    }
                    #expect(barrier.isReleased)
                }
            }
        }
    }

    @Test func splitHalvesWorkConcurrently() async throws {
        let items = 500
        try await Self.withBroker { port in
            try await withThrowingTaskGroup(of: [Tagged].self) { outer in
                outer.addTask {
                    try await Channels.channel(Self.on(port, "pair"), listen: true, codec: json) { channel in
                        try await Self.exchange(channel, me: 0, items: items)
                    }
                }
                outer.addTask {
                    try await Channels.channel(Self.on(port, "pair"), listen: false, codec: json, options: Self.retrying()) { channel in
                        try await Self.exchange(channel, me: 1, items: items)
                    }
                }
                for try await got in outer {
                    #expect(got.count == items)
                    #expect(got == (0..<items).map { Tagged(from: got.first?.from ?? -1, seq: $0) })
                }
            }
        }
    }

    /// Sends `items` from one task while receiving `items` in another, through the split halves.
    static func exchange(_ channel: Duplex<JSONCodec<Tagged>>, me: Int, items: Int) async throws -> [Tagged] {
        try await channel.waitForPeers(1, timeout: .seconds(20))
        let (receiver, sender) = channel.split()
        async let sent: Void = {
            for i in 0..<items { try await sender.send(Tagged(from: me, seq: i)) }
        }()
        var got: [Tagged] = []
        for try await item in receiver {
            got.append(item)
            if got.count == items { break }
        }
        try await sent
        return got
    }

    @Test func targetedSendsReachOnlyTheirTargets() async throws {
        try await Self.withBroker { port in
            var options = ChannelOptions(accept: 3)
            options.acceptTimeout = .seconds(30)
            try await withThrowingTaskGroup(of: (String, [Tagged]).self) { group in
                for name in ["a", "b", "c"] {
                    group.addTask {
                        var mine = Self.retrying()
                        mine.label = name
                        return try await Channels.channel(Self.on(port, "room"), listen: false, codec: json, options: mine) { channel in
                            var got: [Tagged] = []
                            for try await item in channel.receiver {
                                if item.seq < 0 { break }
                                got.append(item)
                            }
                            return (name, got)
                        }
                    }
                }
                try await Channels.multiChannel(Self.on(port, "room"), codec: json, options: options) { room in
                    let a = try #require(room.peers.first { $0.address == "a" })
                    let c = try #require(room.peers.first { $0.address == "c" })
                    try await room.send(Tagged(from: 0, seq: 1), to: [a, c])
                    try await room.send(Tagged(from: 0, seq: 2), where: { $0.address == "b" })
                    try await room.send(Tagged(from: 0, seq: 3))
                    await #expect(throws: ChannelError.noPeers) { try await room.send(Tagged(from: 0, seq: 4), to: []) }
                    try await room.send(Tagged(from: 0, seq: -1))
                }
                var got: [String: [Int]] = [:]
                for try await (name, items) in group { got[name] = items.map(\.seq) }
                #expect(got == ["a": [1, 3], "b": [2, 3], "c": [1, 3]])
            }
        }
    }

    @Test func aSlowReceiverHoldsItsSenderToTheCreditWindow() async throws {
        let window = 16, total = 200
        try await Self.withBroker { port in
            var options = ChannelOptions()
            options.receiveBuffer = window
            try await Channels.mpscReceiver(Self.on(port, "slow"), codec: json, options: options) { receiver in
                let progress = Locked(0)
                let sending = Task {
                    try await Channels.mpscSender(Self.on(port, "slow"), codec: json, options: Self.retrying()) { sender in
                        for i in 0..<total {
                            try await sender.send(Tagged(from: 0, seq: i))
                            progress.withLock { $0 = i + 1 }
                        }
                    }
                }
                try await receiver.waitForPeers(1, timeout: .seconds(20))
                let peer = try #require(receiver.peers.first)
                // Nothing taken yet: the sender gets exactly one window through, and waits.
                while receiver.flow(of: peer).map({ $0.received }) ?? 0 < window { try await Task.sleep(for: .milliseconds(10)) }
                try await Task.sleep(for: .milliseconds(300))
                let held = try #require(receiver.flow(of: peer))
                #expect(held.received == window && held.granted == window && held.buffered == window)
                #expect(progress.withLock { $0 } == window)
                // Taking items lets it go on, never more than a window ahead of the consumer.
                var taken = 0
                for try await item in receiver {
                    #expect(item.seq == taken)
                    taken += 1
                    // (Once the sender is done and gone, its link is too.)
                    if let flow = receiver.flow(of: peer) {
                        #expect(flow.received <= flow.granted && flow.buffered <= window)
                    }
                    if taken == total { break }
                }
                try await sending.value
            }
        }
    }

    @Test func aSendTimesOutWithoutCredit() async throws {
        try await Self.withBroker { port in
            var options = ChannelOptions()
            options.receiveBuffer = 4
            try await Channels.mpscReceiver(Self.on(port, "stuck"), codec: json, options: options) { receiver in
                var sending = Self.retrying()
                sending.sendTimeout = .milliseconds(300)
                try await Channels.mpscSender(Self.on(port, "stuck"), codec: json, options: sending) { sender in
                    for i in 0..<4 { try await sender.send(Tagged(from: 0, seq: i)) }
                    do {
                        try await sender.send(Tagged(from: 0, seq: 4))
                        Issue.record("sent past the window")
                    } catch let error as ChannelError {
                        guard case .timedOut = error else { Issue.record("\(error)"); return }
                    }
                }
                _ = receiver.peerCount
            }
        }
    }

    @Test func retryWaitsForTheOtherSideAndWithoutItFailsAtOnce() async throws {
        try await Self.withBroker { port in
            await #expect(throws: ChannelError.self) {
                try await Channels.mpscSender(Self.on(port, "later"), codec: json) { _ in }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Channels.mpscSender(Self.on(port, "later"), codec: json, options: Self.retrying()) { sender in
                        try await sender.send(Tagged(from: 7, seq: 0))
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                try await Channels.mpscReceiver(Self.on(port, "later"), codec: json) { receiver in
                    let first = try await receiver.receive()
                    #expect(first == Tagged(from: 7, seq: 0))
                }
                try await group.waitForAll()
            }
            // Retrying also covers a broker that is not up yet; with a deadline, a typed timeout.
            var short = ChannelOptions()
            short.retry = .milliseconds(300)
            await #expect(throws: ChannelError.self) {
                try await Channels.mpscSender(.broker(name: "x", address: .tcp(host: "127.0.0.1", port: 1)), codec: json, options: short) { _ in }
            }
        }
    }

    @Test func bodiesOffTheirConnectionsLoopEchoRoundTrips() async throws {
        try await Self.withBroker { port in
            let offLoop = { var o = ChannelOptions(); o.runsOnConnectionLoop = false; return o }()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Channels.channel(Self.on(port, "loop-echo"), listen: true, codec: json, options: offLoop) { echo in
                        for try await item in echo.receiver { try await echo.send(item) }
                    }
                }
                try await Channels.channel(Self.on(port, "loop-echo"), listen: false, codec: json, options: Self.retrying(offLoop)) { channel in
                    for i in 0..<200 {
                        try await channel.send(Tagged(from: 1, seq: i))
                        #expect(try await channel.receive() == Tagged(from: 1, seq: i))
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("an endpoint's resolve goes out as its connection opens, however late the opening task resumes")
    func openingDoesNotWaitForTheOpeningTask() async throws {
        // A broker that closes connections which send nothing within 0.3 s, and a receiving
        // endpoint whose task is resumed 0.6 s late at every await (a busy cooperative pool).
        try await Self.withBroker(handshakeTimeout: .milliseconds(300)) { port in
            let late = LateExecutor(delay: 0.6)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withTaskExecutorPreference(late) {
                        try await Channels.mpscReceiver(Self.on(port, "late"), codec: json) { receiver throws in
                            let first = try await receiver.receive()
                            #expect(first == Tagged(from: 1, seq: 1))
                        }
                    }
                }
                try await Channels.mpscSender(Self.on(port, "late"), codec: json, options: Self.retrying()) { sender in
                    try await sender.send(Tagged(from: 1, seq: 1))
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("items queued together reach every receiver whole and in order, large ones among them")
    func batchedItemsKeepTheirOrderAndSize() async throws {
        // Sizes around the 64 KiB an `Items` message holds, an empty item, and small ones, sent
        // without waiting so that they queue up and go out in batches.
        let sizes = [3, 0, 70_000, 12, 40_000, 40_000, 1, 65_536, 5]
        let items = (0..<300).map { i in [UInt8(i & 0xff), UInt8(i >> 8)] + [UInt8](repeating: UInt8(i % 251), count: sizes[i % sizes.count]) }
        try await Self.withBroker { port in
            try await withThrowingTaskGroup(of: [[UInt8]].self) { group in
                group.addTask {
                    try await Channels.broadcastSender(Self.on(port, "batches"), codec: RawBytesCodec()) { sender in
                        try await sender.waitForPeers(2, timeout: .seconds(20))
                        for item in items { try await sender.send(item) }
                        return []
                    }
                }
                for _ in 0..<2 {
                    group.addTask {
                        try await Channels.broadcastReceiver(Self.on(port, "batches"), codec: RawBytesCodec(), options: Self.retrying()) { receiver in
                            var got: [[UInt8]] = []
                            for try await item in receiver {
                                got.append(item)
                                if got.count == items.count { break }
                            }
                            return got
                        }
                    }
                }
                var receivers = 0
                for try await got in group where !got.isEmpty {
                    receivers += 1
                    #expect(got.count == items.count)
                    #expect(got == items, "a receiver got items out of order or altered")
                }
                #expect(receivers == 2)
            }
        }
    }
}

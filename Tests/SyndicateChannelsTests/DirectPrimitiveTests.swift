import NIOPosix
import SyndicateChannels
import Synchronization
import TestSupport
import Testing

/// The five primitives in direct mode, on real loopback sockets.
@Suite(.serialized) struct DirectPrimitiveTests {
    static let host = "127.0.0.1"
    static func at(_ port: Int) -> Transport { .direct(host: host, port: port) }
    let json = JSONCodec<Tagged>()

    struct Tagged: Codable, Equatable, Sendable {
        var from: Int
        var seq: Int
    }

    @Test func mpscKeepsEachSendersOrderAndHasEverySender() async throws {
        let senders = 5, perSender = 500
        try await Channels.mpscReceiver(Self.at(0), codec: json) { receiver in
            let port = try #require(receiver.localPort)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for s in 0..<senders {
                    group.addTask {
                        try await Channels.mpscSender(Self.at(port), codec: json) { sender in
                            for i in 0..<perSender { try await sender.send(Tagged(from: s, seq: i)) }
                        }
                    }
                }
                var next = [Int](repeating: 0, count: senders)
                // By peer (its id), not address: a sender that is done frees its port for another.
                var addresses: [Int: Set<Peer>] = [:]
                for try await received in receiver.withSender {
                    #expect(received.item.seq == next[received.item.from], "sender \(received.item.from) out of order")
                    next[received.item.from] += 1
                    addresses[received.item.from, default: []].insert(received.sender)
                    if next.reduce(0, +) == senders * perSender { break }
                }
                #expect(next == [Int](repeating: perSender, count: senders))
                // Each sender is one connection: one address per sender, all different.
                #expect(addresses.values.allSatisfy { $0.count == 1 })
                #expect(Set(addresses.values.flatMap { $0 }).count == senders)
                try await group.waitForAll()
            }
        }
    }

    @Test func broadcastReachesEveryReceiver() async throws {
        let receivers = 4, items = 200
        var options = ChannelOptions()
        options.accept = receivers
        options.acceptTimeout = .seconds(30)
        try await withThrowingTaskGroup(of: [Tagged].self) { group in
            let portBox = Locked<Int?>(nil)
            group.addTask {
                try await Channels.broadcastSender(Self.at(0), codec: json, options: .init(limit: receivers)) { sender in
                    portBox.withLock { $0 = sender.localPort }
                    try await sender.waitForPeers(receivers, timeout: .seconds(30))
                    #expect(sender.isFull && sender.peerCount == receivers && sender.limit == receivers)
                    for i in 0..<items { try await sender.send(Tagged(from: 0, seq: i)) }
                    return []
                }
            }
            var port: Int?
            while port == nil { try await Task.sleep(for: .milliseconds(10)); port = portBox.withLock { $0 } }
            for _ in 0..<receivers {
                group.addTask { [port] in
                    var retry = ChannelOptions()
                    retry.retry = .seconds(10)
                    return try await Channels.broadcastReceiver(Self.at(port!), codec: json, options: retry) { receiver in
                        var got: [Tagged] = []
                        for try await item in receiver { got.append(item) }
                        return got
                    }
                }
            }
            var lists: [[Tagged]] = []
            for try await list in group where !list.isEmpty { lists.append(list) }
            #expect(lists.count == receivers)
            for list in lists { #expect(list.map(\.seq) == Array(0..<items)) }
        }
    }

    @Test func limitRefusesExtraPeersAndAcceptWaitsForN() async throws {
        var options = ChannelOptions(limit: 2)
        try await Channels.mpscReceiver(Self.at(0), codec: json, options: options) { receiver in
            let port = try #require(receiver.localPort)
            var events = receiver.events.makeAsyncIterator()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for s in 0..<2 {
                    group.addTask {
                        try await Channels.mpscSender(Self.at(port), codec: json) { sender in
                            try await sender.send(Tagged(from: s, seq: 0))
                            try await Task.sleep(for: .seconds(30))
                        }
                    }
                }
                try await receiver.waitForPeers(2, timeout: .seconds(10))
                #expect(receiver.isFull)
                // A third is refused: its connection is closed and it never counts.
                let third = Task {
                    try await Channels.mpscSender(Self.at(port), codec: json) { sender in
                        for i in 0..<500 {
                            try await sender.send(Tagged(from: 9, seq: i))
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
                var refused = false
                while let event = await events.next() {
                    if case .refused(_, let reason) = event {
                        #expect(reason == .limitReached(limit: 2))
                        refused = true
                        break
                    }
                }
                #expect(refused)
                // The refused sender finds its connection closed: a typed error, not a hang.
                do {
                    try await third.value
                    Issue.record("the refused sender sent everything")
                } catch {
                    #expect(error is ChannelError, "\(error)")
                }
                #expect(receiver.peerCount == 2)
                var seen = Set<Int>()
                for try await item in receiver {
                    #expect(item.from != 9)
                    seen.insert(item.from)
                    if seen.count == 2 { break }
                }
                group.cancelAll()
            }
        }
        options.accept = 1
        options.acceptTimeout = .milliseconds(300)
        await #expect(throws: ChannelError.self) {
            try await Channels.mpscReceiver(Self.at(0), codec: json, options: options) { _ in }
        }
    }

    @Test func joinsAndCleanLeavesAreSeenWithFilterAndHandler() async throws {
        let joined = Locked<[String]>([])
        var options = ChannelOptions()
        options.onJoin = { peer in joined.withLock { $0.append(peer.address) } }
        options.filter = { address in address.hasPrefix("127.0.0.1:") }
        try await Channels.multiChannel(Self.at(0), codec: json, options: options) { room in
            let port = try #require(room.localPort)
            var events = room.events.makeAsyncIterator()
            try await Channels.channel(Self.at(port), listen: false, codec: json) { client in
                guard case .joined(let peer)? = await events.next() else { Issue.record("no join"); return }
                #expect(room.peers == [peer])
                #expect(joined.withLock { $0 } == [peer.address])
                try await client.send(Tagged(from: 1, seq: 1))
                #expect(try await room.receive() == Tagged(from: 1, seq: 1))
            }
            // The client's scope ended: its connection closed cleanly, and the room noticed.
            guard case .left(_, let reason)? = await events.next() else { Issue.record("no leave"); return }
            #expect(reason == nil)
            #expect(room.peerCount == 0)
            await #expect(throws: ChannelError.noPeers) { try await room.send(Tagged(from: 0, seq: 0)) }
        }
        var refuseAll = ChannelOptions()
        refuseAll.filter = { _ in false }
        try await Channels.mpscReceiver(Self.at(0), codec: json, options: refuseAll) { receiver in
            let port = try #require(receiver.localPort)
            var events = receiver.events.makeAsyncIterator()
            _ = try? await Channels.mpscSender(Self.at(port), codec: json) { _ in }
            guard case .refused? = await events.next() else { Issue.record("not refused"); return }
            #expect(receiver.peerCount == 0)
        }
    }

    @Test func barrierCountsArrivalsAndReleasesLateOnes() async throws {
        try await Channels.barrier(Self.at(0), options: .init(limit: 10)) { barrier in
            let port = try #require(barrier.localPort)
            let released = Locked(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await Channels.barrierWaiter(Self.at(port)) { waiter in
                            try await waiter.wait()
                            released.withLock { $0 += 1 }
                        }
                    }
                }
                try await barrier.waitForArrivals(3, timeout: .seconds(10))
                #expect(released.withLock { $0 } == 0)
                #expect(!barrier.isReleased)
                try await barrier.release()
                try await group.waitForAll()
                #expect(released.withLock { $0 } == 3)
                // A waiter arriving after the release is released on arrival.
                try await Channels.barrierWaiter(Self.at(port)) { waiter in try await waiter.wait() }
            }
        }
    }

    @Test func splitHalvesWorkConcurrentlyFromDifferentTasks() async throws {
        let count = 2000
        // The listening side of a 1:1 channel stops listening once its peer is there, so take a port first
        // (held, so that no other test's listener gets it while the connector dials it).
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        try await withThrowingTaskGroup(of: Void.self) { outer in
            outer.addTask {
                try await Channels.channel(Self.at(port), listen: true, codec: json, options: .init(acceptTimeout: nil)) { channel in
                    let (receiver, sender) = channel.split()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { for i in 0..<count { try await sender.send(Tagged(from: 0, seq: i)) } }
                        group.addTask {
                            var seq = 0
                            for try await item in receiver {
                                #expect(item == Tagged(from: 1, seq: seq))
                                seq += 1
                                if seq == count { break }
                            }
                            #expect(seq == count)
                        }
                        try await group.waitForAll()
                    }
                }
            }
            outer.addTask {
                var retry = ChannelOptions()
                retry.retry = .seconds(10)
                try await Channels.channel(Self.at(port), listen: false, codec: json, options: retry) { channel in
                    let (receiver, sender) = channel.split()
                    async let sent: Void = { for i in 0..<count { try await sender.send(Tagged(from: 1, seq: i)) } }()
                    var seq = 0
                    for try await item in receiver {
                        #expect(item.seq == seq)
                        seq += 1
                        if seq == count { break }
                    }
                    try await sent
                    #expect(seq == count)
                }
            }
            try await outer.waitForAll()
        }
    }

    @Test func targetedSendsReachOnlyTheirTargets() async throws {
        try await Channels.multiChannel(Self.at(0), codec: json) { room in
            let port = try #require(room.localPort)
            try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
                for c in 0..<3 {
                    group.addTask {
                        try await Channels.channel(Self.at(port), listen: false, codec: json) { client in
                            try await client.send(Tagged(from: c, seq: -1))
                            var got: [Int] = []
                            for try await item in client.receiver {
                                if item.seq == 99 { break }
                                got.append(item.seq)
                            }
                            return (c, got)
                        }
                    }
                }
                var byClient: [Int: Peer] = [:]
                while byClient.count < 3, let hello = try await room.receiveWithSender() { byClient[hello.item.from] = hello.sender }
                let peer = { (c: Int) in byClient[c]! }
                try await room.send(Tagged(from: 0, seq: 1), to: [peer(0)])
                try await room.send(Tagged(from: 0, seq: 2), to: [peer(1), peer(2)])
                try await room.send(Tagged(from: 0, seq: 3), where: { $0 != peer(1) })
                try await room.send(Tagged(from: 0, seq: 99))
                var results: [Int: [Int]] = [:]
                for try await (c, got) in group { results[c] = got }
                #expect(results == [0: [1, 3], 1: [2], 2: [2, 3]])
            }
        }
    }

    @Test func retryWaitsUntilTheListenerAppearsAndTimesOut() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var retry = ChannelOptions()
                retry.retry = .seconds(10)
                try await Channels.mpscSender(Self.at(port), codec: json, options: retry) { sender in
                    try await sender.send(Tagged(from: 7, seq: 7))
                }
            }
            try await Task.sleep(for: .milliseconds(400))
            let first = try await Channels.mpscReceiver(Self.at(port), codec: json) { receiver in
                try await receiver.receive()
            }
            #expect(first == Tagged(from: 7, seq: 7))
            try await group.waitForAll()
        }
        var short = ChannelOptions()
        short.retry = .milliseconds(300)
        do {
            try await Channels.mpscSender(Self.at(port), codec: json, options: short) { _ in }
            Issue.record("connected to nothing")
        } catch let error as ChannelError {
            guard case .timedOut = error else { Issue.record("\(error)"); return }
        }
        await #expect(throws: ChannelError.self) {
            try await Channels.mpscSender(Self.at(port), codec: json) { _ in }
        }
    }

    @Test func slowReceiverSlowsItsSender() async throws {
        let item = [UInt8](repeating: 7, count: 64 * 1024)
        let total = 2000  // 128 MiB if nothing held the sender back
        var options = ChannelOptions()
        options.receiveBuffer = 4
        try await Channels.mpscReceiver(Self.at(0), codec: RawBytesCodec(), options: options) { receiver in
            let port = try #require(receiver.localPort)
            let sent = Locked(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Channels.mpscSender(Self.at(port), codec: RawBytesCodec()) { sender in
                        for _ in 0..<total {
                            try await sender.send(item)
                            sent.withLock { $0 += 1 }
                        }
                    }
                }
                // Not reading: the sender stalls once the buffers on the way are full.
                var previous = -1
                var stalled = sent.withLock { $0 }
                while stalled != previous {
                    previous = stalled
                    try await Task.sleep(for: .milliseconds(300))
                    stalled = sent.withLock { $0 }
                }
                #expect(stalled < total / 4, "sender ran \(stalled) items ahead of a receiver that took none")
                var received = 0
                for try await payload in receiver {
                    #expect(payload.count == item.count)
                    received += 1
                    if received == total { break }
                }
                try await group.waitForAll()
                #expect(received == total)
            }
        }
    }

    @Test func cancellingTheTaskClosesWhatItOpened() async throws {
        try await Channels.mpscReceiver(Self.at(0), codec: json) { receiver in
            let port = try #require(receiver.localPort)
            var events = receiver.events.makeAsyncIterator()
            let task = Task {
                try await Channels.mpscSender(Self.at(port), codec: json) { sender in
                    try await sender.send(Tagged(from: 1, seq: 1))
                    try await Task.sleep(for: .seconds(60))
                }
            }
            guard case .joined? = await events.next() else { Issue.record("no join"); return }
            #expect(try await receiver.receive() == Tagged(from: 1, seq: 1))
            task.cancel()
            guard case .left? = await events.next() else { Issue.record("no leave"); return }
            #expect(receiver.peerCount == 0)
        }
    }

    @Test func bodiesOffTheirConnectionsLoopEchoRoundTrips() async throws {
        let offLoop = { var o = ChannelOptions(); o.runsOnConnectionLoop = false; return o }()
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Channels.channel(Self.at(port), listen: true, codec: json, options: offLoop) { echo in
                    for try await item in echo.receiver { try await echo.send(item) }
                }
            }
            var connecting = offLoop
            connecting.retry = .seconds(10)
            try await Channels.channel(Self.at(port), listen: false, codec: json, options: connecting) { channel in
                for i in 0..<200 {
                    try await channel.send(Tagged(from: 1, seq: i))
                    #expect(try await channel.receive() == Tagged(from: 1, seq: i))
                }
            }
            try await group.waitForAll()
        }
    }

    @Test("a one-connection side's body runs on its connection's event loop unless told otherwise")
    func bodiesRunOnTheirConnectionsLoopByDefault() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        for onLoop in [true, false] {
            let options = { var o = ChannelOptions(); if !onLoop { o.runsOnConnectionLoop = false }; return o }()  // the default, or off
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Channels.channel(Self.at(port), listen: true, codec: json, options: options) { echo in
                        for try await item in echo.receiver { try await echo.send(item) }
                    }
                }
                var connecting = options
                connecting.retry = .seconds(10)
                try await Channels.channel(Self.at(port), listen: false, codec: json, options: connecting) { channel in
                    #expect((MultiThreadedEventLoopGroup.currentEventLoop != nil) == onLoop)
                    try await channel.send(Tagged(from: 1, seq: 1))
                    #expect(try await channel.receive() == Tagged(from: 1, seq: 1))
                    #expect((MultiThreadedEventLoopGroup.currentEventLoop != nil) == onLoop)
                }
                try await group.waitForAll()
            }
        }
    }

    /// An echoing 1:1 listener on `port` beside `body` (the connecting side's body, retrying).
    private func withEcho(_ body: @escaping @Sendable (Transport, ChannelOptions) async throws -> Void) async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let json = json
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Channels.channel(Self.at(port), listen: true, codec: json) { echo in
                    for try await item in echo.receiver { try await echo.send(item) }
                }
            }
            var options = ChannelOptions()
            options.retry = .seconds(10)
            try await body(Self.at(port), options)
            try await group.waitForAll()
        }
    }

    @Test("cancelling the body's task while it waits to receive ends the wait", .timeLimit(.minutes(1)))
    func cancellingTheBodyWhileItReceivesEndsTheWait() async throws {
        let json = json
        try await withEcho { transport, options in
            let waiting = Task {
                try await Channels.channel(transport, listen: false, codec: json, options: options) { channel in
                    try await channel.receive()  // nothing is coming
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            waiting.cancel()
            switch await waiting.result {
            case .success(let item): #expect(item == nil)
            case .failure(let error): #expect(error as? ChannelError == .closed, "\(error)")
            }
        }
    }

    @Test("cancelling another task waiting on a split half ends its wait, and the body goes on", .timeLimit(.minutes(1)))
    func cancellingASplitHalfsWaitEndsItAndTheBodyGoesOn() async throws {
        let json = json
        try await withEcho { transport, options in
            try await Channels.channel(transport, listen: false, codec: json, options: options) { channel in
                let (receiver, sender) = channel.split()
                let ended = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        do { return try await receiver.receive() == nil } catch { return (error as? ChannelError) == .closed }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    group.cancelAll()
                    return try await group.next() ?? false
                }
                #expect(ended)
                try await sender.send(Tagged(from: 1, seq: 7))
                #expect(try await channel.receive() == Tagged(from: 1, seq: 7))
            }
        }
    }
}

import Foundation
import Preserves
import Syndicate
import SyndicateChannels
import SyndicateChannelsSchemas
import SyndicateNIO
import SyndicateProtocols
import Synchronization
import Testing

/// A session that tries to pass itself off as another sender: it sees every presence in the
/// dataspace (so it holds the honest sender's entity), and asserts a `Connect` naming that
/// entity and label, then sends items at the receiver's entity directly.
@Suite(.serialized) struct BrokerIdentityTests {
    /// Records what reaches the impostor's would-be link entity.
    final class Recorder: Entity {
        let seen: Locked<[String]>
        init(_ seen: Locked<[String]>) { self.seen = seen }
        func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws { seen.withLock { $0.append("\(value)") } }
        func onMessage(_ turn: Turn, _ value: AnyValue) throws { seen.withLock { $0.append("\(value)") } }
    }

    @Test func anImpostorCannotSendAsAnotherPeer() async throws {
        try await BrokerPrimitiveTests.withBroker { port in
            let address = RelayAddress.tcp(host: "127.0.0.1", port: port)
            try await Channels.mpscReceiver(.broker(name: "guarded", address: address), codec: JSONCodec<String>()) { receiver in
                var honest = ChannelOptions()
                honest.label = "honest"
                try await Channels.mpscSender(.broker(name: "guarded", address: address), codec: JSONCodec<String>(), options: honest) { sender in
                    try await SyndicateClient.withConnection(to: address) { spy in
                        let presences = try await spy.assertions(matching: ChannelProtocol.Presence<Ref>.pattern(channel: .literal("guarded")))
                        var receiverEntity: Ref?, honestEntity: Ref?
                        for try await event in presences {
                            guard case .added(let presence) = event else { continue }
                            if presence.role == .mpscReceiver { receiverEntity = presence.entity }
                            if presence.label == "honest" { honestEntity = presence.entity }
                            if receiverEntity != nil && honestEntity != nil { break }
                        }
                        let target = try #require(receiverEntity), victim = try #require(honestEntity)
                        let seen = Locked<[String]>([])
                        let payload = try JSONCodec<String>().encode("forged")
                        try spy.run { turn, _ in
                            let fake = turn.ref(Recorder(seen))
                            turn.assert(target, ChannelProtocol.Connect<Ref>(
                                channel: "guarded", role: .mpscSender, label: "honest", peer: victim,
                                nonce: [UInt8](repeating: 7, count: 16), link: fake, credit: 0))
                            turn.message(target, ChannelProtocol.Item(payload: payload))
                        }
                        try await spy.sync()
                        try await sender.send("real")
                        let first = try #require(try await receiver.receiveWithSender())
                        #expect(first.item == "real" && first.sender.address == "honest")
                        // The forged Connect never became a peer: its Accept went to the victim's
                        // entity (which ignores an Accept for a nonce it never sent), not to the spy.
                        try await Task.sleep(for: .milliseconds(300))
                        #expect(receiver.peers == [first.sender])
                        #expect(seen.withLock { $0 }.isEmpty)
                        try await sender.send("real again")
                        let second = try #require(try await receiver.receiveWithSender())
                        #expect(second.item == "real again" && second.sender == first.sender)
                    }
                }
            }
        }
    }

    /// Counts the answers an accepting endpoint asserts at a connector that never says `Ready`.
    final class Answers: Entity {
        struct Tally: Sendable {
            var accepts: [Handle: [UInt8]] = [:]
            var refusals: [ChannelProtocol.RefuseReason] = []
            var retracted = 0
        }
        let tally: Locked<Tally>
        init(_ tally: Locked<Tally>) { self.tally = tally }
        func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
            if let accept = try? ChannelProtocol.Accept<Ref>(preserves: value) {
                tally.withLock { $0.accepts[handle] = accept.nonce }
            } else if let refuse = try? ChannelProtocol.Refuse(preserves: value) {
                tally.withLock { $0.refusals.append(refuse.reason) }
            }
        }
        func onRetract(_ turn: Turn, _ handle: Handle) throws {
            tally.withLock { t in if t.accepts.removeValue(forKey: handle) != nil { t.retracted += 1 } }
        }
    }

    static func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func connectsWithoutReadyAreBoundedAndTimeOut() async throws {
        let bound = 64
        try await BrokerPrimitiveTests.withBroker { port in
            let address = RelayAddress.tcp(host: "127.0.0.1", port: port)
            var options = ChannelOptions()
            options.readyTimeout = .milliseconds(800)
            try await Channels.mpscReceiver(.broker(name: "unready", address: address), codec: JSONCodec<String>(), options: options) { receiver in
                let events = receiver.events
                try await SyndicateClient.withConnection(to: address) { spy in
                    let presences = try await spy.assertions(matching: ChannelProtocol.Presence<Ref>.pattern(channel: .literal("unready")))
                    var receiverEntity: Ref?
                    for try await event in presences {
                        if case .added(let presence) = event, presence.role == .mpscReceiver {
                            receiverEntity = presence.entity
                            break
                        }
                    }
                    let target = try #require(receiverEntity)
                    let tally = Locked(Answers.Tally())
                    let connect = { @Sendable (turn: Turn, answers: Ref, n: Int) in
                        turn.assert(target, ChannelProtocol.Connect<Ref>(
                            channel: "unready", role: .mpscSender, label: "unready-\(n)", peer: answers,
                            nonce: [UInt8](repeating: 0, count: 14) + [UInt8(n >> 8), UInt8(n & 0xff)], link: answers, credit: 0))
                    }
                    let answers = Locked<Ref?>(nil)
                    // One more than the bound: 64 are held waiting for their Ready, the last is refused.
                    try spy.run { turn, _ in
                        let me = turn.ref(Answers(tally))
                        answers.withLock { $0 = me }
                        for n in 0...bound { _ = connect(turn, me, n) }
                    }
                    try await Self.waitUntil { tally.withLock { $0.accepts.count == bound && $0.refusals.count == 1 } }
                    let held = tally.withLock { $0 }
                    #expect(held.accepts.count == bound)
                    #expect(held.refusals.count == 1)
                    if case .limitReached? = held.refusals.first {} else { Issue.record("refusal \(held.refusals)") }
                    #expect(receiver.peerCount == 0)
                    // None says Ready: after the timeout every link is dropped (its Accept retracted)
                    // and reported as refused for a timeout.
                    try await Self.waitUntil { tally.withLock { $0.retracted == bound } }
                    #expect(tally.withLock { $0.retracted } == bound)
                    var timedOut = 0
                    for await event in events {
                        if case .refused(_, .timedOut?) = event { timedOut += 1 }
                        if timedOut == bound { break }
                    }
                    #expect(timedOut == bound)
                    // The places are free again: a new Connect is answered with an Accept.
                    let me = try #require(answers.withLock { $0 })
                    try spy.run { turn, _ in _ = connect(turn, me, 1000) }
                    try await Self.waitUntil { tally.withLock { $0.accepts.count == 1 } }
                    #expect(tally.withLock { $0.accepts.count } == 1)
                    #expect(receiver.peerCount == 0)
                }
            }
        }
    }
}

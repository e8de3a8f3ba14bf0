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
}

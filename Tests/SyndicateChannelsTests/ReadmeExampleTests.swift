import SyndicateChannels
import Testing

/// The README's Channels example, run as written.
@Suite struct ReadmeChannelsExampleTests {
    @Test func mpscHello() async throws {
        let received = Locked<[String]>([])
        try await Channels.mpscReceiver(.direct(host: "127.0.0.1", port: 0), codec: JSONCodec<String>()) { receiver in
            let port = receiver.localPort ?? 0
            try await Channels.mpscSender(.direct(host: "127.0.0.1", port: port), codec: JSONCodec<String>()) { sender in
                try await sender.send("hello")
            }
            for try await message in receiver.withSender {
                print("\(message.sender): \(message.item)")
                break
            }
        }
    }
}

import Preserves
import SyndicateChannels
import SyndicateProtocols
import Testing

/// The Preserves codecs with types generated from the Syndicate protocol schemas, over loopback.
@Suite struct PreservesCodecTests {
    @Test func plainSchemaTypesCrossTheWire() async throws {
        let codec = PlainPreservesCodec<Tcp.TcpLocal>()
        let items = (0..<3).map { Tcp.TcpLocal(host: "h\($0)", port: SignedInteger($0 + 8000)) }
        let received = try await Channels.mpscReceiver(.direct(host: "127.0.0.1", port: 0), codec: codec) { receiver in
            let port = receiver.localPort ?? 0
            try await Channels.mpscSender(.direct(host: "127.0.0.1", port: port), codec: codec) { sender in
                for item in items { try await sender.send(item) }
            }
            var got: [Tcp.TcpLocal] = []
            for try await item in receiver {
                got.append(item)
                if got.count == items.count { break }
            }
            return got
        }
        #expect(received == items)
    }

    @Test func schemaMismatchIsACodecError() {
        let wrong = Value<Never>.record(Record(label: .symbol(Symbol("tcp-remote")), fields: ["h"])).binary()
        #expect(throws: ChannelError.self) { try PlainPreservesCodec<Tcp.TcpLocal>().decode(wrong) }
        #expect(throws: ChannelError.self) { try PlainPreservesCodec<Tcp.TcpLocal>().decode([0xB4]) }
    }
}

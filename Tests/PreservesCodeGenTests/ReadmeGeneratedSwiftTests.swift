import Preserves
import SyndicateProtocols
import Testing

/// The generated-Swift example in README.md, verbatim (ReadmeCodeBlockTests checks that it is).
@Suite struct ReadmeGeneratedSwiftTests {
    @Test func packetExample() throws {
        let bytes = try IOValue(text: #"[[3 <M <Says "producer" #x"0102">>]]"#).canonicalBinary

        let packet = try Protocol.Packet<IOEmbedded>(preserves: try IOValue(binary: bytes))
        if case .turn(let events) = packet {
            for event in events { print(event.oid, event.event) }
        }
        let message = Protocol.Packet<IOEmbedded>.turn([
            Protocol.TurnEvent(oid: 3, event: .message(Protocol.Message(body: .record("Says", "producer", .byteString([1, 2])))))
        ])
        let wire = message.preserves.canonicalBinary   // the bytes to send

        #expect(wire == bytes)
        #expect(message == packet)
    }
}

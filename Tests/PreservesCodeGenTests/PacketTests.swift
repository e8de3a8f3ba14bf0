import Preserves
import SyndicateProtocols
import Testing

/// Real Syndicate packets through the generated protocol types.
@Suite struct PacketTests {
    static let resolveTurn = #"[[0 <A <resolve <ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}> #:[0 0]> 1>]]"#

    @Test func decodesAResolveTurnAndWritesTheSameBytes() throws {
        let bytes = try IOValue(text: Self.resolveTurn).canonicalBinary
        let packet = try Protocol.Packet<IOEmbedded>(preserves: try IOValue(binary: bytes))
        guard case .turn(let events) = packet, events.count == 1 else {
            Issue.record("expected a turn with one event, got \(packet)")
            return
        }
        #expect(events[0].oid == 0)
        guard case .assert(let assert) = events[0].event else {
            Issue.record("expected an assertion, got \(events[0].event)")
            return
        }
        #expect(assert.handle == 1)
        let resolve = try Gatekeeper.Resolve<IOEmbedded>(preserves: assert.assertion)
        #expect(resolve.step.stepType == "ref")
        let parameters = try Sturdy.Parameters<IOEmbedded>(preserves: resolve.step.detail)
        #expect(parameters.oid == .string("syndicate"))
        #expect(parameters.sig == [0x69, 0xca, 0x30, 0x0c, 0x1d, 0xbf, 0xa0, 0x8f, 0xba, 0x69, 0x21, 0x02, 0xdd, 0x82, 0x31, 0x1a])
        #expect(parameters.caveats == .absent)
        // The observer is a wire reference to the peer's own object 0.
        #expect(try Sturdy.WireRef<IOEmbedded>(preserves: resolve.observer.value) == .mine(oid: 0))
        #expect(BinaryWriter<IOEmbedded>().encode(packet.preserves) == bytes)
    }

    @Test func buildsPacketsFromTypedValues() throws {
        let event = Protocol.TurnEvent<IOEmbedded>(
            oid: 3, event: .message(Protocol.Message(body: .record("Says", "producer", .byteString([1, 2])))))
        let packet = Protocol.Packet<IOEmbedded>.turn([event])
        #expect(packet.preserves.description == #"[[3 <M <Says "producer" #x"0102">>]]"#)
        #expect(try Protocol.Packet<IOEmbedded>(preserves: packet.preserves) == packet)
        let error = Protocol.Packet<IOEmbedded>.error(Protocol.Error(message: "boom", detail: 1))
        #expect(error.preserves.description == #"<error "boom" 1>"#)
        #expect(Protocol.Packet<IOEmbedded>.nop(Protocol.Nop()).preserves == .boolean(false))
    }

    @Test func malformedPacketsGiveErrorsWithDefinitionAndPath() throws {
        do {
            _ = try Protocol.Packet<IOEmbedded>(preserves: try IOValue(text: "[[0 <A <x>>]]"))
            Issue.record("a malformed packet parsed")
        } catch {
            let text = "\(error)"
            #expect(text.contains("protocol.Packet"))
            // The turn alternative failed inside the first event's assertion record.
            #expect(text.contains("protocol.Assert: expected a record <A …> with at least 2 fields"))
            #expect(text.contains("value[0][1]"))
        }
    }
}

import Preserves
@testable import Syndicate
import SyndicateProtocols
import Testing
import TestSupport

/// The relay's shortcuts for values without embedded references: the framer says when a packet
/// holds none, and a message's encoding is found again by its body's storage, not by equality,
/// and written as the generated encoder writes the event.
@Suite struct RelayEncodingTests {
    static func packetBytes(_ body: WireValue) -> [UInt8] {
        PacketWriter().encode(.turn([Protocol.TurnEvent(oid: 0, event: .message(Protocol.Message(body: body)))]), syntax: .binary)
    }

    static func local(_ wire: WireValue) -> AnyValue {
        wire.mapEmbedded { _ -> Ref in fatalError("no embedded values") }
    }

    @Test func theFramerTellsPacketsWithoutEmbeddedValues() throws {
        let plain: WireValue = .record(Record(label: .symbol("Says"), .string("a"), .byteString([1])))
        let embedding: WireValue = .record(Record(label: .symbol("Says"), .embedded(WireEmbedded(.mine(oid: 3)))))
        var framer = PacketFramer()
        framer.append(Self.packetBytes(plain))
        _ = try #require(try framer.next())
        #expect(!framer.lastPacketMayHoldEmbedded)
        framer.append(Self.packetBytes(embedding))
        _ = try #require(try framer.next())
        #expect(framer.lastPacketMayHoldEmbedded)
        framer.append(Array("[[0 <M 1>]]\n".utf8))
        _ = try #require(try framer.next())
        #expect(framer.lastPacketMayHoldEmbedded)
    }

    @Test func aBodyIsFoundByItsStorage() throws {
        let cache = MessageBodyEncodings()
        let wire: WireValue = .sequence([.string("producer"), .byteString(Array(repeating: 9, count: 16))])
        let body = Self.local(wire)
        #expect(cache.event(for: body) == nil)
        let made = try #require(cache.encodeEvent(for: body, wire))
        let found = try #require(cache.event(for: body))
        #expect(found == made)
        let equal = Self.local(.sequence([.string("producer"), .byteString(Array(repeating: 9, count: 16))]))
        #expect(equal == body)
        #expect(cache.event(for: equal) == nil)
        // Atoms and empty sequences have no storage to recognise.
        #expect(cache.encodeEvent(for: .string("x"), .string("x")) == nil)
        #expect(cache.encodeEvent(for: .sequence([]), .sequence([])) == nil)
    }

    @Test func eachBodyHasOneFirstRecipientWhoseBytesTheOthersCopy() throws {
        let cache = MessageBodyEncodings()
        let body = Self.local(.sequence([.string("producer"), .byteString([1, 2, 3])]))
        let identity = try #require(body.storageIdentity)
        var output: [UInt8] = [0xB5]
        guard case .first = cache.find(identity, body: body, appendingTo: &output) else { Issue.record("the first to ask is first"); return }
        guard case .pending = cache.find(identity, body: body, appendingTo: &output) else { Issue.record("then pending, until kept"); return }
        #expect(cache.event(for: body) == nil)
        #expect(output == [0xB5])
        let bytes: [UInt8] = [0xB4, 0xB3, 0x01, 0x4D, 0x84]
        cache.keep(identity, eventBytes: bytes[...])
        guard case .encoded = cache.find(identity, body: body, appendingTo: &output) else { Issue.record("then encoded"); return }
        #expect(output == [0xB5] + bytes)
        // Kept again (another first recipient after an eviction): the slot's bytes are replaced.
        let shorter: [UInt8] = [0xB4, 0xB3, 0x01, 0x4D]
        cache.keep(identity, eventBytes: shorter[...])
        #expect(cache.event(for: body) == shorter)
        // Another body with equal contents has its own storage.
        let equal = Self.local(.sequence([.string("producer"), .byteString([1, 2, 3])]))
        guard case .first = cache.find(try #require(equal.storageIdentity), body: equal, appendingTo: &output) else { Issue.record("distinct storage"); return }
    }

    @Test func aBodyWhoseEventIsTooLargeIsForgotten() throws {
        let cache = MessageBodyEncodings()
        let body = Self.local(.sequence([.byteString([1])]))
        let identity = try #require(body.storageIdentity)
        var output: [UInt8] = []
        _ = cache.find(identity, body: body, appendingTo: &output)
        cache.keep(identity, eventBytes: [UInt8](repeating: 0, count: MessageBodyEncodings.maxEventSize + 1)[...])
        guard case .first = cache.find(identity, body: body, appendingTo: &output) else { Issue.record("forgotten bodies start again"); return }
        // The largest event that is kept comes back whole.
        let largest = [UInt8](repeating: 7, count: MessageBodyEncodings.maxEventSize)
        cache.keep(identity, eventBytes: largest[...])
        #expect(cache.event(for: body) == largest)
    }

    @Test(arguments: [0, 1, 127, 128, 300, 1 << 40])
    func theEventIsWrittenAsTheGeneratedEncoderWritesIt(oid: Int) throws {
        let cache = MessageBodyEncodings()
        let wire: WireValue = .record(Record(label: .symbol("Says"), .string("producer"), .dictionary([1: 2, 0: "z"])))
        let body = Self.local(wire)
        _ = try #require(cache.encodeEvent(for: body, wire))
        // As the relay writes a kept event into its packet.
        var emitter = BinaryEmitter(writer: PacketWriter.binaryWriter)
        MessageBodyEncodings.beginTurnEvent(oid: oid, to: &emitter)
        guard case .encoded = cache.find(try #require(body.storageIdentity), body: body, appendingTo: &emitter.output) else {
            Issue.record("kept by encodeEvent")
            return
        }
        emitter.end()
        let generated = PacketWriter.binaryWriter.encode(Protocol.TurnEvent(oid: SignedInteger(oid), event: .message(Protocol.Message(body: wire))))
        #expect(emitter.output == generated)
    }

    @Test func largeEventsAreEncodedButNotKept() throws {
        let cache = MessageBodyEncodings()
        let wire: WireValue = .sequence([.byteString(Array(repeating: 1, count: MessageBodyEncodings.maxEventSize))])
        let body = Self.local(wire)
        let made = try #require(cache.encodeEvent(for: body, wire))
        #expect(made.count > MessageBodyEncodings.maxEventSize)
        #expect(cache.event(for: body) == nil)
    }
}

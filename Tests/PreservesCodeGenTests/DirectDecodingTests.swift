import Foundation
import Preserves
import PreservesSchema
import SyndicateProtocols
import Testing
import TestSupport

/// The generated `init(binary:)` readers: reading a packet straight from its bytes gives the
/// packet that decoding the value and parsing it gives, and gives up (for the ordinary path to
/// report) wherever that fails.
@Suite struct DirectDecodingTests {
    typealias Packet = Protocol.Packet<IOEmbedded>

    /// The direct result for `bytes`, checked against the ordinary path.
    static func check(_ bytes: [UInt8], limits: ReaderLimits = .default, keepAnnotations: Bool = false, _ note: String = "") -> Packet? {
        let reader = BinaryReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations)
        let direct = bytes.withUnsafeBytes { reader.decodePrefix(Packet.self, $0) }
        let ordinary = bytes.withUnsafeBytes { buffer -> (Packet, Int)? in
            guard let (value, end) = try? reader.decodePrefix(buffer), let packet = try? Packet(preserves: value) else { return nil }
            return (packet, end)
        }
        if let direct {
            #expect(ordinary != nil, "direct reading accepted what the ordinary path rejects: \(bytes) \(note)")
            #expect(direct.value == ordinary?.0 && direct.end == ordinary?.1, "\(bytes) \(note)")
        }
        return direct?.value
    }

    static func conformanceValues() throws -> [IOValue] {
        let suite = try TextReader<IOEmbedded>().decode(try SharedMaterial.text("conformance/samples.pr"))
        let cases = try #require(suite.record(label: "TestCases")?.fields.first?.dictionary)
        var values: [IOValue] = []
        for (_, testCase) in cases.sorted(by: { $0.key < $1.key }) {
            guard let record = testCase.record, record.label.symbol?.name == "Test" || record.label.symbol?.name == "NondeterministicTest" else { continue }
            values.append(record.fields[1].stripped)
        }
        return values
    }

    /// Every event kind carrying every conformance value: read directly, and the same as the
    /// ordinary path.
    @Test func packetsOfConformanceValuesReadDirectly() throws {
        let values = try Self.conformanceValues()
        #expect(values.count > 100)
        let writer = BinaryWriter<IOEmbedded>(options: .canonical)
        for (i, v) in values.enumerated() {
            let handle = SignedInteger(i * 1_000_003)
            let events: [Protocol.TurnEvent<IOEmbedded>] = [
                Protocol.TurnEvent(oid: SignedInteger(i), event: .assert(Protocol.Assert(assertion: v, handle: handle))),
                Protocol.TurnEvent(oid: SignedInteger(-i), event: .message(Protocol.Message(body: v))),
                Protocol.TurnEvent(oid: 0, event: .retract(Protocol.Retract(handle: handle))),
                Protocol.TurnEvent(oid: 1, event: .sync(Protocol.Sync(peer: IOEmbedded(v)))),
            ]
            for packet in [Packet.turn(events), .error(Protocol.Error(message: "m\(i)", detail: v)), .nop(Protocol.Nop())] {
                let read = Self.check(writer.encode(packet), "\(v)")
                #expect(read == packet, "\(v)")
            }
        }
    }

    /// Oids and handles are read in place when minimal and at most 8 bytes long: every such
    /// integer reads directly, and everything else (non-minimal, longer, annotated, past the
    /// size limit) gives the ordinary path's answer or none.
    @Test func integersReadInPlaceAgreeWithTheOrdinaryPath() throws {
        func packet(oid: [UInt8], handle: [UInt8]) -> [UInt8] {
            [0xB5, 0xB5] + oid + [0xB4, 0xB3, 0x01, 0x52] + handle + [0x84, 0x84, 0x84]
        }
        let writer = BinaryWriter<IOEmbedded>(options: .canonical)
        let small: [Int] = [0, 1, -1, 127, 128, -128, -129, 255, 256, 1 << 31, -(1 << 31) - 1, Int.max, Int.min]
        for n in small {
            let minimal = writer.encode(Value<IOEmbedded>.integer(SignedInteger(n)))
            let read = Self.check(packet(oid: minimal, handle: minimal), "\(n)")
            #expect(read == .turn([Protocol.TurnEvent(oid: SignedInteger(n), event: .retract(Protocol.Retract(handle: SignedInteger(n))))]), "\(n)")
        }
        let one = writer.encode(Value<IOEmbedded>.integer(1))
        let odd: [[UInt8]] = [
            [0xB0, 0x01, 0x00],                    // zero as one byte: not minimal
            [0xB0, 0x02, 0x00, 0x01],              // a redundant leading zero
            [0xB0, 0x02, 0xFF, 0x80],              // a redundant leading 0xFF
            [0xB0, 0x00],                          // zero, minimal (no bytes)
            [0xB0, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0],  // 9 bytes: 2^64
            [0xB0, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0],  // 9 bytes, minimal: 2^63
            [0xB0, 0x04, 0x01],                    // cut short
            [0x85, 0xB3, 0x01, 0x61] + one,        // annotated
            [0xB1, 0x01, 0x61],                    // a string, not an integer
        ]
        for bytes in odd {
            _ = Self.check(packet(oid: bytes, handle: one), "oid \(bytes)")
            _ = Self.check(packet(oid: one, handle: bytes), "handle \(bytes)")
            _ = Self.check(packet(oid: bytes, handle: bytes), keepAnnotations: true, "both \(bytes)")
        }
        #expect(Self.check(packet(oid: [0xB0, 0x00], handle: one)) != nil)
        // The size limit counts the integer's bytes.
        let wide = writer.encode(Value<IOEmbedded>.integer(SignedInteger(Int.max)))
        let bytes = packet(oid: one, handle: wide)
        for maxSize in (bytes.count - 4)...(bytes.count + 1) {
            _ = Self.check(bytes, limits: ReaderLimits(maxSize: maxSize), "limit \(maxSize)")
        }
        #expect(Self.check(bytes, limits: ReaderLimits(maxSize: bytes.count)) != nil)
    }

    /// Random packets from the schema, then the same bytes cut short, with one byte changed,
    /// and annotated: whenever direct reading succeeds, the ordinary path agrees.
    @Test func damagedPacketsAgreeWithTheOrdinaryPath() throws {
        var generator = SchemaValueGenerator(bundle: try ProtocolRoundTripTests.bundle(), seed: 0xDEC0DE)
        var rng = SystemRandomNumberGenerator()
        var read = 0
        for _ in 0..<300 {
            let value = generator.value(module: [Symbol("protocol")], name: Symbol("Packet"))
            let bytes = value.canonicalBinary
            if Self.check(bytes) != nil { read += 1 }
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 8)) {
                _ = Self.check(Array(bytes[..<cut]), "cut at \(cut)")
            }
            for _ in 0..<8 {
                var damaged = bytes
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                _ = Self.check(damaged, "damaged")
            }
            // An annotation in front: the ordinary reader drops it, or keeps it.
            let annotated: [UInt8] = [0x85, 0xB3, 0x01, 0x61] + bytes
            _ = Self.check(annotated)
            _ = Self.check(annotated, keepAnnotations: true)
        }
        #expect(read > 250)
    }

    /// Nesting and size limits hold as on the ordinary path.
    @Test func limitsHold() throws {
        var deep: IOValue = .integer(1)
        for _ in 0..<20 { deep = .sequence([deep]) }
        let packet = Packet.turn([Protocol.TurnEvent(oid: 0, event: .message(Protocol.Message(body: deep)))])
        let bytes = BinaryWriter<IOEmbedded>(options: .canonical).encode(packet)
        #expect(Self.check(bytes) == packet)
        var shallow = ReaderLimits.default
        shallow.maxDepth = 10
        #expect(Self.check(bytes, limits: shallow) == nil)
        var small = ReaderLimits.default
        small.maxSize = bytes.count - 1
        #expect(Self.check(bytes, limits: small) == nil)
        small.maxSize = bytes.count
        #expect(Self.check(bytes, limits: small) == packet)
    }
}

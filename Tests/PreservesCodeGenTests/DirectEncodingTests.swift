import Foundation
import Preserves
import PreservesSchema
import SyndicateProtocols
import Testing
import TestSupport

/// The generated `write(to:)` functions emit exactly the canonical binary encoding of the
/// value the type stands for.
@Suite struct DirectEncodingTests {
    @Test func tableCoversEveryDefinition() {
        #expect(Set(DirectEncodings.table.keys) == Set(ProtocolDefinitions.roundTrips.keys))
    }

    /// Random values of every definition: the direct bytes are those of the value's encoding.
    @Test func everyDefinitionWritesItsCanonicalEncoding() throws {
        let bundle = try ProtocolRoundTripTests.bundle()
        var generator = SchemaValueGenerator(bundle: bundle, seed: 0xD1EC7)
        var checked = 0
        var failures: [String] = []
        for (path, schema) in bundle.modules.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            for name in schema.definitions.keys.sorted() {
                let key = (path.map(\.name) + [name.name]).joined(separator: ".")
                guard let encodings = DirectEncodings.table[key] else { continue }
                for _ in 0..<40 {
                    let value = generator.value(module: path, name: name)
                    do {
                        let (direct, tree) = try encodings(value)
                        if direct != tree { failures.append("\(key): \(value) wrote \(direct) instead of \(tree)") }
                    } catch {
                        failures.append("\(key): \(value) did not parse: \(error)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 5000)
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    /// Protocol packets carrying every value of the Preserves conformance suite as assertions
    /// and message bodies (sets and dictionaries among them, which must come out sorted).
    @Test func packetsOfConformanceValuesWriteTheirCanonicalEncoding() throws {
        let suite = try TextReader<IOEmbedded>().decode(try SharedMaterial.text("conformance/samples.pr"))
        let cases = try #require(suite.record(label: "TestCases")?.fields.first?.dictionary)
        var values: [IOValue] = []
        for (_, testCase) in cases.sorted(by: { $0.key < $1.key }) {
            guard let record = testCase.record, record.label.symbol?.name == "Test" || record.label.symbol?.name == "NondeterministicTest" else { continue }
            values.append(record.fields[1].stripped)
        }
        #expect(values.count > 100)
        let writer = BinaryWriter<IOEmbedded>(options: .canonical)
        var events: [Protocol.TurnEvent<IOEmbedded>] = []
        for (i, v) in values.enumerated() {
            let handle = SignedInteger(i * 1_000_003)
            events.append(Protocol.TurnEvent(oid: SignedInteger(i), event: .assert(Protocol.Assert(assertion: v, handle: handle))))
            events.append(Protocol.TurnEvent(oid: SignedInteger(-i), event: .message(Protocol.Message(body: v))))
            events.append(Protocol.TurnEvent(oid: 0, event: .retract(Protocol.Retract(handle: handle))))
            events.append(Protocol.TurnEvent(oid: 1, event: .sync(Protocol.Sync(peer: IOEmbedded(v)))))
            let single = Protocol.Packet<IOEmbedded>.turn(Array(events.suffix(4)))
            #expect(writer.encode(single) == writer.encode(single.preserves), "\(v)")
            let error = Protocol.Packet<IOEmbedded>.error(Protocol.Error(message: "m\(i)", detail: v))
            #expect(writer.encode(error) == writer.encode(error.preserves))
        }
        let turn = Protocol.Packet<IOEmbedded>.turn(events)
        let bytes = writer.encode(turn)
        #expect(bytes == writer.encode(turn.preserves))
        // And it reads back as the same packet.
        #expect(try Protocol.Packet<IOEmbedded>(preserves: BinaryReader<IOEmbedded>().decode(bytes)) == turn)
    }
}

@testable import Preserves
import Testing
import TestSupport

/// Storage identity tells copies of one value from equal values, and a record from a sequence
/// sharing its items; the integer and short-text fast paths of the writer write what the strict
/// reader accepts; the direct reader says whether it met embedded values.
@Suite struct ValueStorageIdentityTests {
    let writer = BinaryWriter<IOEmbedded>(options: .canonical)

    @Test func copiesShareAnIdentityEqualValuesDoNot() throws {
        let body: IOValue = .record(Record(label: .symbol("Says"), .string("producer"), .byteString([1, 2, 3])))
        let copy = body
        let equal: IOValue = .record(Record(label: .symbol("Says"), .string("producer"), .byteString([1, 2, 3])))
        #expect(equal == body)
        #expect(try #require(body.storageIdentity) == copy.storageIdentity)
        #expect(body.storageIdentity != equal.storageIdentity)
        let other: Value<Never> = body.mapEmbedded { _ in fatalError("no embedded values") }
        #expect(other.storageIdentity == body.storageIdentity)
    }

    @Test func aRecordAndASequenceSharingItemsAreDistinct() {
        let items: [IOValue] = [.symbol("a"), 1]
        let sequence: IOValue = .sequence(items)
        let record: IOValue = .record(Record(labelAndFields: items))
        #expect(sequence.storageIdentity?.address == record.storageIdentity?.address)
        #expect(sequence.storageIdentity != record.storageIdentity)
    }

    @Test func onlyRecordsAndNonEmptySequencesHaveAnIdentity() {
        #expect(IOValue.sequence([]).storageIdentity == nil)
        #expect(IOValue.string("x").storageIdentity == nil)
        #expect(IOValue.integer(1).storageIdentity == nil)
        #expect(IOValue.set([1]).storageIdentity == nil)
    }

    @Test func smallIntegersAreWrittenMinimally() throws {
        var rng = SplitMix64(seed: 13)
        var samples: [Int] = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, .max, .min, .max - 1, .min + 1]
        for shift in 0..<63 { samples += [1 << shift, (1 << shift) - 1, -(1 << shift), -(1 << shift) - 1] }
        for _ in 0..<1000 { samples.append(Int(truncatingIfNeeded: rng.next())) }
        let reader = BinaryReader<IOEmbedded>()
        for n in samples {
            var emitter = BinaryEmitter(writer: writer)
            emitter.writeInteger(.small(n))
            // The reader rejects non-minimal integers, so a round trip shows minimality too.
            #expect(try reader.decode(emitter.output) == .integer(.small(n)))
            #expect(emitter.output.count == 2 + SignedInteger.byteCount(n))
        }
    }

    @Test func textsOfEveryShortLengthRoundTrip() throws {
        let reader = BinaryReader<IOEmbedded>()
        for length in 0...40 {
            let text = String(repeating: "é", count: length / 2) + String(repeating: "x", count: length % 2)
            for value: IOValue in [.string(text), .symbol(Symbol(text)), .byteString(Array(text.utf8))] {
                #expect(try reader.decode(writer.encode(value)) == value)
            }
        }
    }

    @Test func theDirectReaderTellsWhetherItMetEmbeddedValues() throws {
        let plain = writer.encode(.sequence([.symbol("a"), .record(Record(label: .symbol("b"), 1))]))
        let embedding = writer.encode(.sequence([.symbol("a"), .embedded(IOEmbedded(.integer(1)))]))
        let reader = BinaryReader<IOEmbedded>()
        try plain.withUnsafeBytes { bytes in
            let result = try #require(reader.decodePrefixNotingEmbedded(AnyValueType.self, bytes))
            #expect(!result.containsEmbedded && result.end == plain.count)
        }
        try embedding.withUnsafeBytes { bytes in
            let result = try #require(reader.decodePrefixNotingEmbedded(AnyValueType.self, bytes))
            #expect(result.containsEmbedded && result.end == embedding.count)
        }
    }
}

/// Any value, read the default way (the whole value through the reader).
private struct AnyValueType: SchemaRepresentable {
    var value: IOValue
    init(preserves value: IOValue) throws(SchemaParseError) { self.value = value }
    var preserves: IOValue { value }
}

import SyndicateChannels
import Testing

@Suite struct CodecTests {
    struct Nested: Codable, Equatable, Sendable {
        var flag: Bool
        var values: [Int32]
        var pairs: [[String]]
        var ratio: Double
        var maybe: UInt16?
        var small: Int8
    }

    @Test func bincodeLayoutIsFixedWidthLittleEndianWithU64Lengths() throws {
        let codec = BincodeCodec<Nested>()
        let value = Nested(flag: true, values: [1, -2], pairs: [["a"]], ratio: 1.5, maybe: nil, small: -1)
        let bytes = try codec.encode(value)
        var expected: [UInt8] = [1]
        expected += [2, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0] + [0xFE, 0xFF, 0xFF, 0xFF]
        expected += [1, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0, 0x61]
        expected += [0, 0, 0, 0, 0, 0, 0xF8, 0x3F] + [0] + [0xFF]
        #expect(bytes == expected)
        #expect(try codec.decode(bytes) == value)
        var some = value
        some.maybe = 0x0102
        #expect(try codec.decode(codec.encode(some)) == some)
    }

    @Test func bincodeAllowsTrailingBytes() throws {
        let codec = BincodeCodec<UInt32>()
        #expect(try codec.decode([7, 0, 0, 0, 0xAA, 0xBB]) == 7)
    }

    @Test func bincodeBadInputGivesTypedErrorsWithPositions() {
        let codec = BincodeCodec<TestItem>()
        #expect(throws: ChannelError.codec("bincode at byte 0: unexpected end of input reading 8 bytes")) {
            try codec.decode([1, 2, 3])
        }
        // A string length far over the limit is refused before anything is allocated for it.
        let huge: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(throws: ChannelError.self) { try codec.decode(huge) }
        do {
            _ = try codec.decode(huge)
        } catch {
            #expect("\(error)".contains("at byte 8"))
        }
        let badTag: [UInt8] = try! BincodeCodec<TestItem>().encode(TestItem.vectors[0]).dropLast() + [7]
        #expect(throws: ChannelError.self) { try codec.decode(badTag) }
    }

    @Test func jsonDecodeErrorsNameThePath() {
        let codec = JSONCodec<TestItem>()
        do {
            _ = try codec.decode(Array(#"{"seq":1,"text":2}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect("\(error)".contains(".text"))
        }
    }

    @Test func protobufRoundTrip() throws {
        let codec = ProtobufCodec<ChannelTestItem>()
        for item in TestItem.vectors {
            #expect(try codec.decode(codec.encode(item.protobuf)) == item.protobuf)
        }
        #expect(throws: ChannelError.self) { try codec.decode([0x0A, 0x05, 0x01]) }
    }
}

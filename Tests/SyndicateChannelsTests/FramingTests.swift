import NIOCore
import SyndicateChannels
import Testing

@Suite struct FramingTests {
    @Test func shortestHeaderAtEachBoundary() throws {
        let cases: [(Int, [UInt8])] = [
            (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x80]), (500, [0x81, 0xF4]), (16383, [0xBF, 0xFF]),
            (16384, [0xC0, 0x40, 0x00]), (2_000_000, [0xDE, 0x84, 0x80]), (2_097_151, [0xDF, 0xFF, 0xFF]),
            (2_097_152, [0xE0, 0x20, 0x00, 0x00]), (50_000_000, [0xE2, 0xFA, 0xF0, 0x80]),
        ]
        for (length, expected) in cases {
            var header: [UInt8] = []
            VariedLengthHeader.write(length: length, into: &header)
            #expect(header == expected, "length \(length)")
            #expect(VariedLengthHeader.length(ofHeader: header) == length)
        }
    }

    @Test func parserSplitsFramesIncludingEmptyOnes() throws {
        var parser = FrameParser()
        var bytes: [UInt8] = [0x00, 0x02, 0xAA, 0xBB, 0x80, 0x01, 0xCC]
        #expect(parser.next(bytes) == .frame(headerSize: 1, length: 0))
        bytes.removeFirst(1)
        #expect(parser.next(bytes) == .frame(headerSize: 1, length: 2))
        bytes.removeFirst(3)
        // A two-byte header for a length that fits one byte: tsyncp's decoder accepts it, so do we.
        #expect(parser.next(bytes) == .frame(headerSize: 2, length: 1))
    }

    @Test func parserWaitsForPartialHeadersAndPayloads() {
        var parser = FrameParser()
        #expect(parser.next([UInt8]()) == .needMore(bytes: 1))
        #expect(parser.next([0xC0, 0x40]) == .needMore(bytes: 1))
        #expect(parser.next([0xC0, 0x40, 0x00, 1, 2]) == .needMore(bytes: 16382))
        #expect(parser.state == .payload(length: 16384))
    }

    @Test func limitIsInclusiveAndCheckedOnTheHeader() {
        let limit = VariedLengthHeader.defaultMaximumFrameLength
        var atLimit: [UInt8] = []
        VariedLengthHeader.write(length: limit, into: &atLimit)
        var parser = FrameParser()
        #expect(parser.next(atLimit) == .needMore(bytes: limit))
        var over: [UInt8] = []
        VariedLengthHeader.write(length: limit + 1, into: &over)
        var refusing = FrameParser()
        // Refused from the four header bytes alone, before any payload arrives.
        #expect(refusing.next(over) == .refuse(length: limit + 1, limit: limit))
        #expect(refusing.state == .failed)
    }

    @Test func encoderRefusesOversizedPayloadWithTypedError() throws {
        let small = try FrameEncoding.frame([1, 2, 3], maximumFrameLength: 3)
        #expect(Array(small.readableBytesView) == [3, 1, 2, 3])
        #expect(throws: ChannelError.frameTooLarge(length: 4, limit: 3)) {
            try FrameEncoding.frame([1, 2, 3, 4], maximumFrameLength: 3)
        }
    }
}

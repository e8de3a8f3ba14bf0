// Fuzzes the relay's PacketFramer, which splits a peer's byte stream (binary or text
// Preserves values, sniffed per value) into packets.
//
// Oracles, for every input:
// - fed whole, fed in pieces cut at places derived from the input, and (if short) fed in
//   pieces of one, two and three bytes, the framer yields the
//   same values and fails with the same error (kind and stream offset) — once the stream is
//   flushed by a trailing space, since a text atom at the very end may still continue;
// - every value that is a protocol packet converts to a value that reads back as the same
//   packet (patterns ignore extra fields, so not always to the same value), and the packet
//   written by PacketWriter (binary, and a text line) frames back to the same packet.
// - packets read with `next()` (binary ones read straight into their type, see
//   Preserves.BinarySource) are those that `nextValue()` gives, parsed, with the same error;
//   and reading a protocol packet directly from the input's bytes, with the default limits and
//   tight ones, either gives up or agrees with decoding the value and parsing it.
// A scaled input (see ScaledInput) is fed in 256-byte pieces at two sizes and must take
// linear time: a framer that re-reads buffered text from its start on every piece does not.

import FuzzSupport
import Preserves
import SyndicateProtocols
import Syndicate

struct Outcome: Equatable {
    var values: [WireValue] = []
    var error: RelayError?

    static func == (a: Outcome, b: Outcome) -> Bool {
        a.values == b.values && a.error?.kind == b.error?.kind && a.error?.offset == b.error?.offset
    }
}

/// Feeds `bytes` to a new framer in the pieces ending at `cuts`, then a space, collecting
/// values until the first error. `buffered` is what the framer still held at the end.
func frame(_ bytes: UnsafeRawBufferPointer, cuts: [Int], buffered: UnsafeMutablePointer<Int>? = nil) -> Outcome {
    defer { if let buffered { buffered.pointee = lastBuffered } }
    var framer = PacketFramer()
    var outcome = Outcome()
    var start = 0
    defer { lastBuffered = framer.bufferedByteCount }
    for end in cuts + [-1] {
        if end < 0 {
            framer.append(CollectionOfOne(UInt8(ascii: " ")))
        } else {
            framer.append(bytes[start..<end])
            start = end
        }
        do {
            while let value = try framer.nextValue() { outcome.values.append(value) }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    return outcome
}

nonisolated(unsafe) var lastBuffered = 0

let writer = PacketWriter()

func checkPacket(_ value: WireValue) {
    guard let packet = try? WirePacket(preserves: value) else { return }
    // Schema patterns ignore what they do not mention (extra fields and elements), so the
    // packet's value may be smaller than `value`; it must read back as the same packet.
    check((try? WirePacket(preserves: packet.preserves)) == packet, "packet \(packet) from \(value) does not read back from \(packet.preserves)")
    for syntax in [WireSyntax.binary, .text] {
        let bytes = writer.encode(packet, syntax: syntax)
        var framer = PacketFramer()
        framer.append(bytes)
        do {
            guard let again = try framer.next() else { fail("\(syntax) encoding \(hex(bytes)) of \(packet) frames to nothing") }
            check(again == packet, "\(syntax) encoding of \(packet) frames back as \(again)")
            check(framer.lastSyntax == syntax, "\(syntax) packet framed as \(String(describing: framer.lastSyntax))")
            check(framer.bufferedByteCount == (syntax == .text ? 1 : 0), "\(syntax) encoding of \(packet) leaves bytes buffered")
        } catch {
            fail("\(syntax) encoding \(hex(bytes)) of \(packet) does not frame: \(error)")
        }
    }
}

/// `next()` over the whole input: the packets, and the error that stopped it.
func framePackets(_ bytes: UnsafeRawBufferPointer) -> (packets: [WirePacket], error: RelayError?) {
    var framer = PacketFramer()
    framer.append(bytes)
    framer.append(CollectionOfOne(UInt8(ascii: " ")))
    var packets: [WirePacket] = []
    do {
        while let packet = try framer.next() { packets.append(packet) }
    } catch {
        return (packets, error)
    }
    return (packets, nil)
}

/// What `framePackets` must give, from the values `nextValue()` gave.
func checkPackets(_ bytes: UnsafeRawBufferPointer, whole: Outcome) {
    let (packets, error) = framePackets(bytes)
    var expected: [WirePacket] = []
    var expectedError = whole.error
    for value in whole.values {
        guard let packet = try? WirePacket(preserves: value) else {
            expectedError = nil
            check(error?.kind == .malformedPacket, "next() accepted \(value), which is no packet, or failed otherwise: \(String(describing: error))")
            break
        }
        expected.append(packet)
    }
    check(packets == expected, "next() gave \(packets); nextValue() gave the packets \(expected)")
    if let expectedError {
        check(error?.kind == expectedError.kind && error?.offset == expectedError.offset,
              "next() failed with \(String(describing: error)); nextValue() with \(expectedError)")
    }
}

/// Reading a packet directly either gives up or agrees with the ordinary path.
func checkDirectPacket(_ bytes: UnsafeRawBufferPointer) {
    var tight = ReaderLimits.default
    tight.maxDepth = 6
    tight.maxSize = 64
    for limits in [ReaderLimits.default, tight] {
        let reader = BinaryReader<WireEmbedded>(limits: limits)
        guard let (packet, end) = reader.decodePrefix(WirePacket.self, bytes) else { continue }
        do {
            let (value, valueEnd) = try reader.decodePrefix(bytes)
            check(valueEnd == end, "direct packet reading ended at \(end), the value at \(valueEnd)")
            let parsed = try WirePacket(preserves: value)
            check(parsed == packet, "direct packet reading gave \(packet), the ordinary path \(parsed)")
            // The relay moves a packet said to hold no embedded value across its membrane
            // unexamined: the claim must be true (it may err the other way, for annotations).
            if let (_, _, holdsEmbedded) = reader.decodePrefixNotingEmbedded(WirePacket.self, bytes) {
                check(holdsEmbedded || !value.containsEmbedded, "direct packet reading met no embedded value in \(value)")
            }
        } catch {
            fail("direct packet reading accepted what the ordinary path rejects (\(error)): \(packet)")
        }
    }
}

runFuzzer { data in
    if let scaled = ScaledInput(data) {
        checkLinear(scaled, "framing in 256-byte pieces") { input in
            input.withUnsafeBytes { buffer in
                var buffered = 0
                let outcome = frame(buffer, cuts: Array(stride(from: 256, to: buffer.count, by: 256)) + [buffer.count], buffered: &buffered)
                // An incomplete packet at the end was buffered, not read: count up to it.
                return outcome.error?.offset ?? (buffer.count - buffered)
            }
        }
        return
    }

    let whole = frame(data, cuts: [data.count])
    var rng = SplitMix64(hashing: data)
    var cutLists = [splitPoints(count: data.count, using: &rng), splitPoints(count: data.count, using: &rng)]
    // One byte at a time stops inside every token and every UTF-8 sequence (short inputs
    // only: the framer re-reads incomplete text, so this is quadratic in the input).
    // Pieces of two and of three bytes end, between them, at every place where a delimiter
    // and the first byte of the next token (or of a UTF-8 sequence) arrive together.
    if data.count <= 512 {
        for size in 1...3 { cutLists.append(Array(stride(from: size, to: data.count, by: size)) + [data.count]) }
    }
    for cuts in cutLists {
        let pieces = frame(data, cuts: cuts)
        // The same packets either way, and no error in pieces that there is not whole. A packet
        // that arrived whole is decoded in one pass, which may find a bad byte (a different one,
        // or one inside a packet not yet complete) before the scanner that frames pieces would.
        check(pieces.values == whole.values && (pieces.error == nil || whole.error != nil), """
            fed \(cuts.count == data.count ? "one byte at a time" : "in pieces (cuts \(cuts))") the framer gave \(pieces.values) and \(String(describing: pieces.error)); \
            fed whole, \(whole.values) and \(String(describing: whole.error))
            """)
    }
    for value in whole.values { checkPacket(value) }
    checkPackets(data, whole: whole)
    checkDirectPacket(data)
}

import Preserves
@testable import Syndicate
import SyndicateProtocols
import Testing
import TestSupport

/// The relay's framer on text: packets come out the same however the stream is split, the work
/// stays linear in the bytes received while a packet trickles in, limits apply before a packet
/// is complete, and ill-formed UTF-8 is an error rather than a crash.
@Suite(.timeLimit(.minutes(5))) struct PacketFramerTextTests {
    /// Feeds `stream` in pieces of the given sizes (cycled), collecting every value.
    static func values(_ stream: [UInt8], pieces: [Int], limits: RelayLimits = .default) throws(RelayError) -> [WireValue] {
        var framer = PacketFramer(limits: limits)
        var out: [WireValue] = []
        var sent = 0
        var piece = 0
        while sent < stream.count {
            let n = min(pieces[piece % pieces.count], stream.count - sent)
            piece += 1
            framer.append(stream[sent..<(sent + n)])
            sent += n
            while let value = try framer.nextValue() { out.append(value) }
        }
        return out
    }

    /// A small random value: every atom, compounds, annotations, and embedded references in
    /// the wire's own form.
    static func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> WireValue {
        let atoms: [WireValue] = [
            true, false, 0, -1, 42, .integer(SignedInteger(decimal: "123456789012345678901234567890")!), 1.5, -0.0,
            .double(.nan), .double(.infinity), "", "a \"quoted\" string\n", "é😀", .byteString([]), .byteString([0, 1, 255]),
            .byteString(Array("printable".utf8)), .byteString(Array(repeating: 7, count: 70)), .symbol("sym"),
            .symbol("with space"), .symbol("1.5"), .symbol("é"), .symbol(""),
        ]
        var v: WireValue
        switch depth < 3 ? rng.below(8) : 0 {
        case 0, 1, 2: v = rng.pick(atoms)
        case 3: v = .sequence((0..<rng.below(4)).map { _ in randomValue(&rng, depth: depth + 1) })
        case 4: v = .record(Record(label: .symbol("r"), fields: (0..<rng.below(3)).map { _ in randomValue(&rng, depth: depth + 1) }))
        case 5: v = .set(Set((0..<rng.below(4)).map { _ in randomValue(&rng, depth: depth + 1) }))
        case 6:
            var d: [WireValue: WireValue] = [:]
            for _ in 0..<rng.below(4) { d[randomValue(&rng, depth: depth + 1)] = randomValue(&rng, depth: depth + 1) }
            v = .dictionary(d)
        default:
            v = .embedded(WireEmbedded(.mine(oid: SignedInteger(rng.below(100)))))
        }
        if rng.chance(1, in: 8) { v = v.annotated(with: ["note"]) }
        return v
    }

    /// The conformance suite's values that the wire can carry (its embeddeds are arbitrary
    /// values, not wire references), as text.
    static func conformanceTexts() throws -> [String] {
        let suite = try TextReader<IOEmbedded>(keepAnnotations: true).decode(try SharedMaterial.text("conformance/samples.pr"))
        let cases = try #require(suite.record(label: "TestCases")?.fields.first?.dictionary)
        let writer = TextWriter<IOEmbedded>(options: .compact)
        var texts: [String] = []
        for (_, testCase) in cases.sorted(by: { $0.key < $1.key }) {
            guard let record = testCase.record, let kind = record.label.symbol?.name,
                kind == "Test" || kind == "NondeterministicTest"
            else { continue }
            let text = writer.write(record.fields[1])
            // A first byte of 0x80 or more is sniffed as binary, as upstream relays do.
            if !text.contains("#:") && text.utf8.first! < 0x80 { texts.append(text) }
        }
        return texts
    }

    @Test func packetsAreTheSameHoweverTheStreamIsSplit() throws {
        var rng = SplitMix64(seed: 0xF4A_3E)
        let writer = TextWriter<WireEmbedded>(options: .compact)
        let indented = TextWriter<WireEmbedded>(options: .indented)
        let binary = BinaryWriter<WireEmbedded>()
        var stream: [UInt8] = []
        var texts = try Self.conformanceTexts()
        #expect(texts.count > 100)
        while texts.count < 300 {
            let v = Self.randomValue(&rng)
            let text = texts.count % 3 == 0 ? indented.write(v) : writer.write(v)
            if text.utf8.first! < 0x80 { texts.append(text) }
        }
        var expected: [WireValue] = []
        for (i, text) in texts.enumerated() {
            // Some values in binary between the text ones: the framer sniffs each value.
            if i % 17 == 0 {
                let v = Self.randomValue(&rng)
                stream += binary.encode(v)
                expected.append(v.stripped)
            }
            if i % 5 == 0 { stream += Array("# a comment\n".utf8) }
            stream += Array(text.utf8) + Array((i % 4 == 0 ? " , \n" : "\n").utf8)
            expected.append(try TextReader<WireEmbedded>().decode(text))
        }
        let whole = try Self.values(stream, pieces: [stream.count])
        #expect(whole.count == expected.count)
        #expect(whole == expected)
        #expect(try Self.values(stream, pieces: [1]) == whole, "byte by byte")
        #expect(try Self.values(stream, pieces: [3, 1, 7, 2]) == whole)
        #expect(try Self.values(stream, pieces: [4096]) == whole)
    }

    @Test func aValueIsReturnedAsSoonAsItIsComplete() throws {
        var framer = PacketFramer()
        framer.append(Array("[1 2]".utf8))
        #expect(try framer.nextValue() == [1, 2], "a closing bracket ends it: no newline needed")
        framer.append(Array("\"s\"".utf8))
        #expect(try framer.nextValue() == "s")
        framer.append(Array("foo".utf8))
        #expect(try framer.nextValue() == nil, "a bare symbol may go on")
        framer.append(Array("bar\n".utf8))
        #expect(try framer.nextValue() == .symbol("foobar"))
        framer.append(Array("#t".utf8))
        #expect(try framer.nextValue() == nil)
        framer.append(Array("]".utf8))
        #expect(try framer.nextValue() == true, "the bracket is a delimiter")
        #expect(throws: RelayError.self) { try framer.nextValue() }
        #expect(framer.lastSyntax == .text)
    }

    /// A peer that sends an unclosed 16 MiB text packet 4 KiB at a time costs work linear in
    /// what it sent: every byte is looked at a bounded number of times, not once per piece.
    @Test func tricklingAnUnclosedPacketCostsLinearWork() throws {
        let limits = RelayLimits()  // 16 MiB packets
        var framer = PacketFramer(limits: limits)
        // Every kind of token, nested but balanced, so that only the outer "[" stays open.
        let tokens = Array("abc 123 -4.5e6 \"a string with \\\"escapes\\\" é\" 'sym' #x\"00ff\" #[AAAA] #\"bytes\" <r a [b]> {k: v} #{1 2} # comment ✓\n @ann x #t #f #:[0 1] ".utf8)
        var chunk: [UInt8] = []
        while chunk.count + tokens.count <= 4096 { chunk += tokens }
        chunk += Array(repeating: UInt8(ascii: " "), count: 4096 - chunk.count)
        framer.append(Array("[".utf8))
        var sent = 1
        let total = limits.maxPacketSize
        while sent < total {
            let piece = chunk.prefix(min(4096, total - sent))
            framer.append(piece)
            sent += piece.count
            #expect(try framer.nextValue() == nil)
        }
        #expect(sent == total)
        #expect(framer.bufferedByteCount == total)
        let examined = framer.textBytesExamined
        #expect(examined <= 2 * sent, "\(examined) bytes examined for \(sent) received")
        #expect(examined >= sent, "every byte is looked at")
        // One byte more and the packet can no longer fit: refused before it is complete.
        framer.append(Array(" ".utf8))
        do {
            _ = try framer.nextValue()
            Issue.record("an over-size packet was accepted")
        } catch {
            #expect(error.kind == .limitExceeded, "\(error)")
            #expect(error.offset == 0)
        }
    }

    @Test func aTrickledPacketIsReadOnceWhenItCloses() throws {
        var framer = PacketFramer()
        let item = Array("<r \"some text\" 12345 [a b c]> ".utf8)
        var sent = 0
        framer.append(Array("[".utf8))
        sent += 1
        for _ in 0..<(1 << 20) / item.count {
            framer.append(item)
            sent += item.count
            #expect(try framer.nextValue() == nil)
        }
        framer.append(Array("]".utf8))
        sent += 1
        let value = try #require(try framer.nextValue())
        #expect(value.sequence?.count == (1 << 20) / item.count)
        #expect(framer.textBytesExamined <= 3 * sent, "scanned once, read once")
    }

    @Test func tooDeepIsRefusedBeforeTheEnd() throws {
        var framer = PacketFramer()  // 128 levels
        framer.append(Array(String(repeating: "[", count: 128).utf8))
        #expect(try framer.nextValue() == nil)
        framer.append(Array("@".utf8))
        do {
            _ = try framer.nextValue()
            Issue.record("129 levels were accepted")
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(error.offset == 128)
        }
    }

    @Test("ill-formed UTF-8 is a syntax error at its stream offset, not a crash", arguments: [
        [0x5B, 0xFF, 0x5D, 0x0A], [0x3C, 0xFF, 0x3E], [0x5B, 0x61, 0xFF, 0x5D], [0x23, 0x7B, 0xFF, 0x7D],
        [0x5B, 0xED, 0xA0, 0x80, 0x5D], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x23, 0x20, 0xFF, 0x0A, 0x31, 0x0A],
    ] as [[UInt8]])
    func illFormedUTF8(bytes: [UInt8]) throws {
        let prefix = Array("[1] ".utf8)
        for pieces in [[prefix.count + bytes.count], [1]] {
            do {
                let values = try Self.values(prefix + bytes, pieces: pieces)
                Issue.record("\(bytes) framed as \(values)")
            } catch {
                #expect(error.kind == .malformedSyntax, "\(error)")
                let offset = try #require(error.offset)
                #expect(offset >= prefix.count && offset < prefix.count + bytes.count)
            }
        }
    }
}

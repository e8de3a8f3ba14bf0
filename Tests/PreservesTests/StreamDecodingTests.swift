import Preserves
import Testing
import TestSupport

/// `BinaryStreamDecoder` and `BinaryFrameScanner`: values that arrive in pieces come out
/// whole, however the bytes are split; "need more bytes" is `nil`, not an error; errors carry
/// offsets in the whole stream.
@Suite(.timeLimit(.minutes(2))) struct StreamDecodingTests {
    typealias V = IOValue

    /// A stream of varied values, annotations included, and its bytes.
    static let values: [V] = {
        var gen = RandomValueGenerator(seed: 21, annotations: true, maxDepth: 3, maxWidth: 3)
        var out: [V] = [
            0, true, "hello", .byteString(Array(repeating: 7, count: 200)),  // a two-byte length
            .record("point", 1, 2), V.integer(9).annotated(with: ["abc"]), .embedded(IOEmbedded(.embedded(IOEmbedded(0)))),
            .set([1, 2, 3]), ["k": [1, 2]], .double(.nan), [],
        ]
        for _ in 0..<12 { out.append(gen.value()) }
        return out
    }()

    static let writer = BinaryWriter<IOEmbedded>(options: .annotated)
    static let encodings: [[UInt8]] = values.map { writer.encode($0) }
    static let stream: [UInt8] = encodings.flatMap { $0 }

    /// Feeds `chunks` one after another, collecting every value as soon as it is available.
    static func decode(_ chunks: some Sequence<ArraySlice<UInt8>>) throws(BinaryDecodingError) -> (values: [V], decoder: BinaryStreamDecoder<IOEmbedded>) {
        var decoder = BinaryStreamDecoder<IOEmbedded>(keepAnnotations: true)
        var out: [V] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let v = try decoder.next() { out.append(v) }
        }
        return (out, decoder)
    }

    static func same(_ a: [V], _ b: [V]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) } }

    // MARK: - Splitting

    @Test func splitAtEveryByteBoundary() throws {
        let bytes = Self.stream
        for cut in 0...bytes.count {
            let (out, decoder) = try Self.decode([bytes[..<cut], bytes[cut...]])
            #expect(Self.same(out, Self.values), "split at \(cut)")
            #expect(decoder.isAtValueBoundary && decoder.bufferedByteCount == 0)
        }
    }

    @Test func oneByteAtATime() throws {
        let bytes = Self.stream
        var decoder = BinaryStreamDecoder<IOEmbedded>(keepAnnotations: true)
        var out: [V] = []
        var ends: [Int] = []
        for (i, b) in bytes.enumerated() {
            decoder.append([b])
            while let v = try decoder.next() {
                out.append(v)
                ends.append(i + 1)
            }
            #expect(decoder.bufferedByteCount == i + 1 - (ends.last ?? 0))
        }
        #expect(Self.same(out, Self.values))
        // Each value comes out exactly when its last byte arrives, not before and not later.
        var offset = 0
        let expectedEnds = Self.encodings.map { e -> Int in
            offset += e.count
            return offset
        }
        #expect(ends == expectedEnds)
    }

    @Test func randomChunkSizes() throws {
        var rng = SplitMix64(seed: 22)
        for _ in 0..<60 {
            var chunks: [ArraySlice<UInt8>] = []
            var at = 0
            while at < Self.stream.count {
                let n = min(Self.stream.count - at, rng.below(rng.chance(1, in: 2) ? 3 : 200))
                chunks.append(Self.stream[at..<(at + n)])  // empty chunks included
                at += n
            }
            let (out, decoder) = try Self.decode(chunks)
            #expect(Self.same(out, Self.values))
            #expect(decoder.isAtValueBoundary)
        }
    }

    @Test func wholeStreamInOneChunk() throws {
        let (out, _) = try Self.decode([Self.stream[...]])
        #expect(Self.same(out, Self.values))
        #expect(try Self.same(BinaryReader<IOEmbedded>(keepAnnotations: true).decodeAll(Self.stream), Self.values))
    }

    @Test func annotationsAreDroppedUnlessKept() throws {
        var decoder = BinaryStreamDecoder<IOEmbedded>()
        decoder.append(bytes(hex: "85 b103616263 b00109"))
        let v = try #require(try decoder.next())
        #expect(v.isIdentical(to: 9))
    }

    // MARK: - Incomplete input

    @Test func incompleteInputIsNilNotAnError() throws {
        for encoding in Self.encodings where encoding.count > 1 {
            var decoder = BinaryStreamDecoder<IOEmbedded>(keepAnnotations: true)
            for (i, b) in encoding.dropLast().enumerated() {
                decoder.append([b])
                #expect(try decoder.next() == nil, "after \(i + 1) of \(encoding.count) bytes")
                #expect(try decoder.next() == nil, "asking again changes nothing")
                #expect(!decoder.isAtValueBoundary)
            }
            decoder.append([encoding.last!])
            #expect(try decoder.next() != nil)
            #expect(try decoder.next() == nil)
            #expect(decoder.isAtValueBoundary)
        }
        var empty = BinaryStreamDecoder<IOEmbedded>()
        #expect(try empty.next() == nil)
        #expect(empty.isAtValueBoundary)
    }

    @Test func shortInputsFromTheSpecificationWaitForMore() throws {
        // Each is a strict prefix of a valid value: a truncated varint, a missing payload, an
        // open compound, a lone annotation or embedded tag.
        for text in ["b5 80 80", "b1 81", "b1 03 61", "85", "86", "85 b00101", "b4 b30161", "b7 b00101", "87 08 00 00", "b0"] {
            var decoder = BinaryStreamDecoder<IOEmbedded>()
            decoder.append(bytes(hex: text))
            #expect(try decoder.next() == nil, "\(text)")
            #expect(decoder.bufferedByteCount == bytes(hex: text).count)
        }
    }

    // MARK: - Malformed input and offsets

    @Test func malformedInputThrowsWithAStreamOffset() throws {
        // Valid values first, then a stray end marker: the offset counts every byte before it.
        for bad in ["84", "10", "b4 84", "85 80 84", "b0 02 00 01", "b1 01 ff", "b6 b00101 b00101 84", "b7 b00101 84", "87 04 3fc00000", "b1 80 00"] {
            let badBytes = bytes(hex: bad)
            for chunking in [1, 3, 1000] {
                var decoder = BinaryStreamDecoder<IOEmbedded>()
                var got: [V] = []
                var thrown: BinaryDecodingError?
                let all = Self.stream + badBytes
                var at = 0
                outer: while at < all.count {
                    decoder.append(all[at..<min(all.count, at + chunking)])
                    at += chunking
                    do {
                        while let v = try decoder.next() { got.append(v) }
                    } catch {
                        thrown = error
                        break outer
                    }
                }
                #expect(Self.same(got, Self.values.map(\.stripped)), "\(bad): the values before the bad one come out")
                let error = try #require(thrown, "\(bad) in chunks of \(chunking) should throw")
                #expect(error.kind == .malformed, "\(bad): \(error)")
                #expect(error.offset >= Self.stream.count && error.offset < all.count, "\(bad): offset \(error.offset), stream \(Self.stream.count)")
            }
        }
    }

    @Test func errorOffsetsAreExactStreamPositions() throws {
        // The stream decoder's offset is the one the plain reader gives, shifted to the stream.
        let cases: [(String, Int)] = [
            ("84", 0),  // end marker where a value should start
            ("10", 0),  // invalid tag
            ("b5 b00101 10 84", 4),  // invalid tag inside a sequence
            ("b6 b00101 b00101 84", 4),  // duplicate set element
        ]
        for (bad, offsetInValue) in cases {
            for prefixCount in [0, 1, 5, Self.encodings.count] {
                let prefix = Self.encodings.prefix(prefixCount).flatMap { $0 }
                var decoder = BinaryStreamDecoder<IOEmbedded>()
                // Deliver and consume the good values first, so that the decoder discards them.
                for e in Self.encodings.prefix(prefixCount) {
                    decoder.append(e)
                    #expect(try decoder.next() != nil)
                }
                decoder.append(bytes(hex: bad))
                do {
                    let v = try decoder.next()
                    Issue.record("\(bad) after \(prefixCount) values gave \(String(describing: v))")
                } catch {
                    #expect(error.kind == .malformed)
                    #expect(error.offset == prefix.count + offsetInValue, "\(bad) after \(prefixCount) values: \(error)")
                }
                // The plain reader agrees, at the same position.
                do {
                    _ = try BinaryReader<IOEmbedded>().decodeAll(prefix + bytes(hex: bad))
                    Issue.record("decodeAll accepted \(bad)")
                } catch {
                    #expect(error.offset == prefix.count + offsetInValue, "decodeAll on \(bad): \(error)")
                }
            }
        }
    }

    // MARK: - Frame scanner

    @Test func scannerReportsFrameLengthsAndIgnoresWhatFollows() throws {
        for (i, encoding) in Self.encodings.enumerated() {
            var scanner = BinaryFrameScanner()
            let following = Self.encodings[(i + 1) % Self.encodings.count]
            #expect(try scanFrame(&scanner, encoding + following) == encoding.count)
        }
    }

    @Test func scannerResumesWhereItStopped() throws {
        var scanner = BinaryFrameScanner()
        var buffer: [UInt8] = []
        var lengths: [Int] = []
        var consumed = 0
        var stream = Self.stream[...]
        var rng = SplitMix64(seed: 23)
        while !stream.isEmpty || !buffer.isEmpty {
            let n = min(stream.count, 1 + rng.below(7))
            buffer += stream.prefix(n)
            stream = stream.dropFirst(n)
            let before = scanner.scanned
            if let length = try scanFrame(&scanner, buffer) {
                lengths.append(length)
                consumed += length
                buffer.removeFirst(length)
                scanner.reset()
                #expect(scanner.scanned == 0)
                // Several frames may be waiting in the buffer.
                while let more = try scanFrame(&scanner, buffer) {
                    lengths.append(more)
                    buffer.removeFirst(more)
                    scanner.reset()
                }
            } else {
                #expect(scanner.scanned >= before, "the scanner never goes backwards")
                #expect(scanner.scanned <= buffer.count)
                if stream.isEmpty { break }
            }
        }
        #expect(lengths == Self.encodings.map(\.count))
        #expect(buffer.isEmpty)
    }

    @Test func scannerDoesNotValidateContentButRejectsStructure() throws {
        func scan(_ hex: String) throws(BinaryDecodingError) -> Int? {
            var scanner = BinaryFrameScanner()
            return try scanFrame(&scanner, bytes(hex: hex))
        }
        // Content errors are found when the frame is decoded.
        #expect(try scan("b1 01 ff") == 3)
        #expect(try scan("b0 02 00 01") == 4)
        #expect(try scan("b4 84") == 2)
        #expect(try scan("b6 b00101 b00101 84") == 8)
        // Structural errors are found at once, at the offending byte.
        for (hex, offset) in [("84", 0), ("10", 0), ("b5 b00101 a0", 4), ("85 b00101 84", 4), ("b1 80 00", 1), ("86 84", 1)] {
            do {
                let n = try scan(hex)
                Issue.record("\(hex) scanned as \(String(describing: n))")
            } catch {
                #expect(error.kind == .malformed, "\(hex)")
                #expect(error.offset == offset, "\(hex): \(error)")
            }
        }
        // Annotations and embeddeds are prefixes: the frame ends with the value they carry.
        #expect(try scan("85 b00101 85 b00102 b00103 b00104") == 11)
        #expect(try scan("86 86 b000 80") == 4)
        #expect(try scan("85 b5 84") == nil)
    }
}

// Fuzzes the Preserves binary syntax: BinaryReader (with and without annotations),
// BinaryStreamDecoder over BinaryFrameScanner (input fed in pieces), and the writers they
// round-trip through.
//
// Oracles, for every input:
// - the reader with annotations and the reader without agree (values equal once stripped,
//   and the same error, if any);
// - the stream decoder fed the input in pieces yields the same values as `decodeAll`, and
//   fails where it fails (a truncated input just leaves bytes buffered);
// - every value decoded re-encodes canonically, and the canonical bytes decode to an equal
//   value that re-encodes byte-identically; with annotations, the annotated encoding
//   round-trips byte-identically too;
// - every value printed as text (annotations kept) reads back equal, with the same annotations.
// A scaled input (see ScaledInput) is decoded at two sizes, whole and in pieces, and must take
// linear time.

import FuzzSupport
import Preserves

let annotated = BinaryReader<IOEmbedded>(keepAnnotations: true)
let plain = BinaryReader<IOEmbedded>(keepAnnotations: false)
let annotatedWriter = BinaryWriter<IOEmbedded>(options: .annotated)
let textReader = TextReader<IOEmbedded>(keepAnnotations: true)

enum Outcome: Equatable {
    case values([IOValue])
    /// Values decoded before the error, and the error.
    case failed([IOValue], BinaryDecodingError)
}

/// `decodeAll`, keeping the values read before an error; and where the last value read ended.
func decodeEach(_ reader: BinaryReader<IOEmbedded>, _ bytes: UnsafeRawBufferPointer) -> (Outcome, Int) {
    var values: [IOValue] = []
    var offset = 0
    while offset < bytes.count {
        do {
            let (value, end) = try reader.decodePrefix(bytes, from: offset)
            check(end > offset, "decodePrefix made no progress at \(offset)")
            values.append(value)
            offset = end
        } catch {
            return (.failed(values, error), offset)
        }
    }
    return (.values(values), offset)
}

/// The values the stream decoder yields when given `bytes` cut at `points`, its error, and how
/// many bytes it still holds.
func decodeStream(_ bytes: UnsafeRawBufferPointer, cuts points: [Int]) -> (Outcome, Int) {
    var decoder = BinaryStreamDecoder<IOEmbedded>(reader: plain)
    var values: [IOValue] = []
    var start = 0
    for end in points {
        decoder.append(bytes[start..<end])
        start = end
        do {
            while let value = try decoder.next() { values.append(value) }
        } catch {
            return (.failed(values, error), decoder.bufferedByteCount)
        }
    }
    return (.values(values), decoder.bufferedByteCount)
}

func describe(_ outcome: Outcome) -> String {
    switch outcome {
    case .values(let vs): "values \(vs)"
    case .failed(let vs, let e): "values \(vs) then error \(e.kind) at \(e.offset): \(e.message)"
    }
}

func stripped(_ outcome: Outcome) -> Outcome {
    switch outcome {
    case .values(let vs): .values(vs.map(\.stripped))
    case .failed(let vs, let e): .failed(vs.map(\.stripped), e)
    }
}

/// Whether `value` holds an integer of more than 256 bytes.
func hasHugeInteger(_ value: IOValue) -> Bool {
    switch value {
    case .integer(.big(let n)): return n.bitWidth > 2048
    case .annotated(let a): return a.annotations.contains(where: hasHugeInteger) || hasHugeInteger(a.value)
    case .record(let r): return r.labelAndFields.contains(where: hasHugeInteger)
    case .sequence(let items): return items.contains(where: hasHugeInteger)
    case .set(let items): return items.contains(where: hasHugeInteger)
    case .dictionary(let entries): return entries.contains { hasHugeInteger($0.key) || hasHugeInteger($0.value) }
    case .embedded(let e): return hasHugeInteger(e.value)
    default: return false
    }
}

/// Re-reading what the writers produce may exceed the depth limit where the original did not
/// (comments become `@` annotations, which count as nesting), so a limit error there only
/// skips the check.
func checkRoundTrips(_ value: IOValue) {
    // Canonical: no annotations, sorted collections; a fixed point after one step.
    let canonical = value.canonicalBinary
    do {
        let reread = try plain.decode(canonical)
        check(reread == value, "canonical round trip changed \(value) to \(reread)")
        let again = reread.canonicalBinary
        check(again == canonical, "canonical encoding is not stable: \(hex(canonical)) then \(hex(again))")
    } catch where error.kind == .limitExceeded {
    } catch {
        fail("canonical encoding \(hex(canonical)) of \(value) does not decode: \(error)")
    }

    // Annotated: the annotations survive, byte for byte.
    let withAnnotations = annotatedWriter.encode(value)
    do {
        let back = try annotated.decode(withAnnotations)
        check(back == value, "annotated round trip changed \(value) to \(back)")
        let bytes = annotatedWriter.encode(back)
        check(bytes == withAnnotations, "annotated encoding is not stable: \(hex(withAnnotations)) then \(hex(bytes))")
    } catch where error.kind == .limitExceeded {
    } catch {
        fail("annotated encoding \(hex(withAnnotations)) of \(value) does not decode: \(error)")
    }

    // Text, with annotations. Not for integers of more than 256 bytes: converting between
    // binary and decimal is quadratic in BigInt (and in the text reader), so a few kilobytes of
    // integer would spend seconds here, on work the text fuzzer already covers.
    if hasHugeInteger(value) { return }
    let text = value.text()
    do {
        let back = try textReader.decode(text)
        check(back == value, "text round trip changed \(value) to \(back) (text \(text))")
        let bytes = annotatedWriter.encode(back)
        check(bytes == withAnnotations, "text round trip changed the annotations: \(text) read back as \(back)")
    } catch where error.kind == .limitExceeded {
    } catch {
        fail("text \(text) of \(value) does not read back: \(error)")
    }
}

func checkStream(_ data: UnsafeRawBufferPointer, expected: Outcome) {
    var rng = SplitMix64(hashing: data)
    for cuts in [[data.count], splitPoints(count: data.count, using: &rng)] {
        let (streamed, buffered) = decodeStream(data, cuts: cuts)
        let context = "stream decoder (cuts \(cuts)) gave \(describe(streamed)); decodeAll gave \(describe(expected))"
        switch (expected, streamed) {
        case (.values(let a), .values(let b)):
            check(a == b && buffered == 0, context)
        case (.values, .failed):
            fail(context)
        case (.failed(let a, _), .values(let b)):
            // The stream waits for the rest of an incomplete value (whose bytes it checks only
            // once the value is complete): it must not have skipped a value or passed the error.
            check(a == b && buffered > 0, context + " (\(buffered) bytes buffered)")
        case (.failed(let a, let e1), .failed(let b, let e2)):
            check(a == b, context)
            // The stream scans a value's structure before decoding it, so it may fail later in
            // the value than the decoder, with another error, but not where the decoder only ran
            // out of input. (The same error may be reported at the tag or at its length.)
            check(!e1.isEndOfInput, context)
            check(e1.kind == e2.kind || e2.offset > e1.offset, context)
        }
    }
}

runFuzzer { data in
    if let scaled = ScaledInput(data) {
        checkLinear(scaled, "binary decoding") { bytes in
            let (outcome, end) = bytes.withUnsafeBytes { decodeEach(annotated, $0) }
            var rng = SplitMix64(seed: UInt64(bytes.count))
            _ = bytes.withUnsafeBytes { decodeStream($0, cuts: splitPoints(count: $0.count, using: &rng)) }
            // A value cut short is skipped over, not read: count the bytes up to it.
            if case .failed(_, let error) = outcome { return error.isEndOfInput ? end : error.offset }
            return bytes.count
        }
        return
    }

    let withAnnotations = decodeEach(annotated, data).0
    let withoutAnnotations = decodeEach(plain, data).0
    check(stripped(withAnnotations) == withoutAnnotations,
          "keeping annotations changed the outcome: \(describe(withAnnotations)) vs \(describe(withoutAnnotations))")

    checkStream(data, expected: withoutAnnotations)

    switch withAnnotations {
    case .values(let values), .failed(let values, _):
        for value in values { checkRoundTrips(value) }
    }
}

// Fuzzes the Preserves text syntax: TextReader and the writers it round-trips through.
//
// The input is read twice:
// - as raw bytes through `decodePrefix`, value after value, with annotations and positions
//   kept — the way the relay's PacketFramer reads text from the network, without checking
//   UTF-8 first;
// - if it is valid UTF-8, through `decodeAll(utf8:)` without annotations.
// Oracles:
// - on valid UTF-8 both readings agree (values equal once stripped, the same error);
// - recorded positions point at the value's first byte and name its line and column;
// - every value printed as text (compact and indented, annotations kept) reads back equal
//   with the same annotations, and printing it again gives the same text;
// - every value encoded in binary (annotated, and canonical) decodes back equal, byte-stably.
// A scaled input (see ScaledInput) is read at two sizes and must take linear time.

import FuzzSupport
import Preserves

let rawReader = TextReader<IOEmbedded>(keepAnnotations: true, recordPositions: true)
let plainReader = TextReader<IOEmbedded>(keepAnnotations: false)
let streamReader = TextReader<IOEmbedded>(keepAnnotations: false, recordPositions: false)
let annotatedReader = TextReader<IOEmbedded>(keepAnnotations: true)
let compactWriter = TextWriter<IOEmbedded>(options: .compact)
let indentedWriter = TextWriter<IOEmbedded>(options: TextWriterOptions(indent: 2, width: 20))
let annotatedBinary = BinaryWriter<IOEmbedded>(options: .annotated)
let binaryReader = BinaryReader<IOEmbedded>(keepAnnotations: true)

struct Outcome: Equatable {
    var values: [IOValue]
    var error: TextParseError?
    /// Where the last value read ended (not compared).
    var end = 0

    static func == (a: Outcome, b: Outcome) -> Bool { a.values == b.values && a.error == b.error }
}

/// Reads values one after another from raw bytes with `decodePrefix`.
func readRaw(_ reader: TextReader<IOEmbedded>, _ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
    var outcome = Outcome(values: [], error: nil)
    var offset = 0
    while true {
        do {
            guard let (value, end) = try reader.decodePrefix(bytes, from: offset) else { break }
            check(end > offset && end <= bytes.count, "decodePrefix from \(offset) ended at \(end) of \(bytes.count)")
            outcome.values.append(value)
            offset = end
            outcome.end = end
        } catch {
            outcome.error = error
            break
        }
    }
    return outcome
}

func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// Recorded positions: offset in range, line = 1 + newlines before it, column = 1 + scalars
/// since the line's start. Top-level values come in order, so one pass checks them all.
func checkPositions(_ values: [IOValue], in bytes: UnsafeBufferPointer<UInt8>) {
    var line = 1
    var lineStart = 0
    var scanned = 0
    for value in values {
        guard let position = value.position else { fail("no position recorded for \(value)") }
        check(position.offset >= scanned && position.offset < bytes.count,
              "position \(position.offset) of \(value) out of order or out of range")
        for i in scanned..<position.offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        scanned = position.offset
        let column = 1 + bytes[lineStart..<position.offset].count { $0 & 0xC0 != 0x80 }
        check(position.line == line && position.column == column,
              "position of \(value) is \(position), expected \(line):\(column)")
    }
}

/// Annotated binary: equality that also compares annotations (and double bit patterns).
func fingerprint(_ value: IOValue) -> [UInt8] { annotatedBinary.encode(value) }

/// Re-reading what the writers produce may exceed the depth limit where the original did not
/// (comments become `@` annotations, which count as nesting), so a limit error there only
/// skips the check.
func checkRoundTrips(_ value: IOValue) {
    let print = fingerprint(value)

    let text = compactWriter.write(value)
    do {
        let back = try annotatedReader.decode(text)
        check(back == value, "text round trip changed \(value) to \(back) (text \(text))")
        check(fingerprint(back) == print, "text round trip changed the annotations of \(value): read \(text) back as \(back)")
        let again = compactWriter.write(back)
        check(again == text, "printing is not stable: \(text) then \(again)")
    } catch where error.kind == .limitExceeded {
    } catch {
        fail("compact text \(text) of \(value) does not read back: \(error)")
    }

    let indented = indentedWriter.write(value)
    do {
        let back = try annotatedReader.decode(indented)
        check(back == value, "indented text round trip changed \(value) to \(back) (text \(indented))")
        check(fingerprint(back) == print, "indented text round trip changed the annotations of \(value)")
    } catch where error.kind == .limitExceeded {
    } catch {
        fail("indented text \(indented) of \(value) does not read back: \(error)")
    }

    do {
        let back = try binaryReader.decode(print)
        check(back == value, "binary round trip changed \(value) to \(back)")
        check(fingerprint(back) == print, "annotated binary is not stable for \(value)")
        let canonical = value.canonicalBinary
        let plain = try binaryReader.decode(canonical)
        check(plain == value && plain.canonicalBinary == canonical, "canonical binary round trip changed \(value)")
    } catch where error.kind == .limitExceeded {
    } catch {
        fail("binary encoding \(hex(print)) of \(value) does not decode: \(error)")
    }
}

runFuzzer { data in
    let bytes = data.assumingMemoryBound(to: UInt8.self)

    if let scaled = ScaledInput(data) {
        // Value by value without positions, as the relay reads; all at once with annotations
        // and positions, as the schema and script readers do.
        checkLinear(scaled, "text reading") { input in
            input.withUnsafeBufferPointer { buffer in
                let outcome = readRaw(streamReader, buffer)
                if isValidUTF8(buffer) { _ = try? rawReader.decodeAll(utf8: buffer) }
                guard let error = outcome.error else { return buffer.count }
                return error.isEndOfInput ? outcome.end : error.offset
            }
        }
        return
    }

    let raw = readRaw(rawReader, bytes)
    checkPositions(raw.values, in: bytes)

    if isValidUTF8(bytes) {
        var plain = Outcome(values: [], error: nil)
        do throws(TextParseError) {
            plain.values = try plainReader.decodeAll(utf8: bytes)
        } catch {
            plain.error = error
        }
        let rawStripped = Outcome(values: raw.values.map(\.stripped), error: raw.error)
        if plain.error == nil || raw.error == nil {
            check(rawStripped == plain, "decodePrefix read \(rawStripped), decodeAll read \(plain)")
        } else {
            // decodeAll stops at the first error and returns no values.
            check(plain.error == raw.error, "decodePrefix failed with \(raw.error!), decodeAll with \(plain.error!)")
        }
    }

    for value in raw.values { checkRoundTrips(value) }
}

import Foundation
import Preserves

/// Preserves binary decode and encode throughput against Foundation's `JSONSerialization` on
/// the same data, with a target of at least 3× JSON on every data set, both ways.
///
/// What is measured, per data set:
/// - Preserves decode: `BinaryReader<IOEmbedded>().decodeAll(bytes)` (`decode` for a single
///   document) over the concatenated canonical encodings; strict validation as always.
/// - Preserves encode: `BinaryWriter<IOEmbedded>(options: .canonical)` appending every value to
///   one growing `[UInt8]` (canonical form, so sets and dictionaries are sorted).
/// - JSON decode: `JSONSerialization.jsonObject(with:)` over the JSON bytes.
/// - JSON encode: `JSONSerialization.data(withJSONObject:)` of the equivalent Foundation objects.
///
/// The JSON equivalent of a stream of packets is ONE JSON document: an array holding every
/// packet. That is the cheapest way to give JSONSerialization many values (one call, no
/// per-document overhead, no framing), so it flatters the baseline rather than Preserves.
/// Byte strings become base64 strings; the JSON side is not charged for base64 coding, which
/// also flatters the baseline (see `JSONEquivalent`).
///
/// "values" are top-level values: packets for the packet stream, one per document otherwise.
/// The ratio is Preserves values/s ÷ JSON values/s, i.e. JSON's time ÷ Preserves' time for
/// the same logical data. MB/s is computed against each format's own encoding (10⁶ bytes), so
/// the MB/s ratio differs from the values/s ratio by the size ratio; it is printed too.
struct PreservesCodecSuite: BenchmarkSuite {
    var name: String { "preserves-codec" }
    var summary: String { "Preserves binary decode/encode vs JSONSerialization (target ≥ 3×)" }

    static let target = 3.0

    /// One data set in both syntaxes.
    struct Dataset {
        var name: String
        /// The values, in order; decoding `preserves` gives exactly these.
        var values: [IOValue]
        /// The canonical binary encodings of `values`, concatenated.
        var preserves: [UInt8]
        /// What `JSONSerialization` writes for the same data.
        var jsonObject: Any
        /// Its JSON encoding.
        var json: Data
        /// Whether `preserves` holds one document (decoded with `decode`) or a stream.
        var isStream: Bool

        init(name: String, values: [IOValue], isStream: Bool) throws {
            self.name = name
            self.values = values
            self.isStream = isStream
            let writer = BinaryWriter<IOEmbedded>(options: .canonical)
            var bytes: [UInt8] = []
            for value in values { writer.encode(value, into: &bytes) }
            self.preserves = bytes
            let objects = try values.map(JSONEquivalent.object(for:))
            self.jsonObject = isStream ? objects : objects[0]
            self.json = try JSONSerialization.data(withJSONObject: jsonObject)
        }
    }

    // MARK: Data sets

    /// `[[oid <A <Says "producer" #"…"> handle>]]`: one Syndicate turn asserting one value.
    static func turnPackets(count: Int) -> [IOValue] {
        var rng = SplitMix64(seed: 0x5359_4E44_4943_4154)
        return (0..<count).map { i in
            let oid = Int.random(in: 0..<4096, using: &rng)
            let handle = 1_000 + i * 3 + Int.random(in: 0..<3, using: &rng)
            let payload = rng.bytes(count: Int.random(in: 16...64, using: &rng))
            let says: IOValue = .record("Says", .string("producer"), .byteString(payload))
            let assert: IOValue = .record("A", says, .integer(handle))
            return .sequence([.sequence([.integer(oid), assert])])
        }
    }

    /// `<blobs #"…" …>`: many byte strings of 1–4 KiB.
    static func blobs(count: Int) -> IOValue {
        var rng = SplitMix64(seed: 0x424C_4F42)
        let fields: [IOValue] = (0..<count).map { _ in
            .byteString(rng.bytes(count: Int.random(in: 1024...4096, using: &rng)))
        }
        return .record("blobs", fields: fields)
    }

    /// The value of a `<Test binary value>` (or `NondeterministicTest`) case of the conformance suite.
    static func conformanceValue(_ cases: [IOValue: IOValue], _ name: String) throws -> IOValue {
        guard let testCase = cases[.symbol(Symbol(name))]?.record, testCase.fields.count == 2,
              let binary = testCase.fields[0].bytes
        else { throw SetupError("conformance case \(name) is missing or not a Test") }
        let value = testCase.fields[1].stripped
        // The case's own bytes must decode to its value; they may differ from the canonical form
        // (NondeterministicTest), which is what the benchmark encodes and decodes.
        guard try BinaryReader<IOEmbedded>().decode(binary) == value else {
            throw SetupError("conformance case \(name): binary and value disagree")
        }
        return value
    }

    static func datasets(quick: Bool) throws -> [Dataset] {
        let samples = SharedMaterial.url("conformance/samples.pr")
        let suite: IOValue
        do {
            suite = try TextReader<IOEmbedded>().decode(try SharedMaterial.text("conformance/samples.pr"))
        } catch {
            throw SetupError("cannot read \(samples.path) (set SYNDICATE_SHARED_DIR?): \(error)")
        }
        guard let cases = suite.record(label: "TestCases")?.fields.first?.dictionary else {
            throw SetupError("\(samples.path) has no <TestCases {…}>")
        }
        let packetCount = quick ? 1_000 : 10_000
        let blobCount = quick ? 32 : 256
        return [
            try Dataset(name: "turn-packets x\(packetCount)", values: turnPackets(count: packetCount), isStream: true),
            try Dataset(name: "rfc8259-example1", values: [conformanceValue(cases, "rfc8259-example1")], isStream: false),
            try Dataset(name: "rfc8259-example2", values: [conformanceValue(cases, "rfc8259-example2")], isStream: false),
            try Dataset(name: "byte-strings x\(blobCount)", values: [blobs(count: blobCount)], isStream: false),
        ]
    }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Running

    func run(options: BenchmarkOptions) throws -> Bool {
        let datasets = try Self.datasets(quick: options.quick)
        let reader = BinaryReader<IOEmbedded>()
        let writer = BinaryWriter<IOEmbedded>(options: .canonical)

        var sizes = TextTable(headers: ["dataset", "values", "Preserves bytes", "JSON bytes", "JSON ÷ Preserves"], leftAligned: 1)
        for d in datasets {
            sizes.add([
                d.name, "\(d.values.count)", "\(d.preserves.count)", "\(d.json.count)",
                String(format: "%.2f", Double(d.json.count) / Double(d.preserves.count)),
            ])
        }
        print(sizes.render())
        print()

        var table = TextTable(headers: [
            "dataset", "op", "Preserves MB/s", "values/s", "JSON MB/s", "values/s", "ratio", "(MB/s ratio)", "≥ 3×",
        ])
        var allMet = true
        for d in datasets {
            // Check once, outside the timed loops, that each side really handles the data.
            let decoded = d.isStream ? try reader.decodeAll(d.preserves) : [try reader.decode(d.preserves)]
            guard decoded == d.values else { throw SetupError("\(d.name): Preserves round trip failed") }
            let reparsed = try JSONSerialization.jsonObject(with: d.json)
            if d.isStream, (reparsed as? [Any])?.count != d.values.count {
                throw SetupError("\(d.name): JSON round trip failed")
            }

            // The four operations take their samples in turn, so that Preserves and JSON are
            // measured under the same conditions.
            let measurements = try measureInterleaved([
                ("preserves decode", {
                    if d.isStream {
                        blackHole(try reader.decodeAll(d.preserves))
                    } else {
                        blackHole(try reader.decode(d.preserves))
                    }
                }),
                ("json decode", { blackHole(try JSONSerialization.jsonObject(with: d.json)) }),
                ("preserves encode", {
                    var out: [UInt8] = []
                    for value in d.values { writer.encode(value, into: &out) }
                    blackHole(out)
                }),
                ("json encode", { blackHole(try JSONSerialization.data(withJSONObject: d.jsonObject)) }),
            ], options: options)
            let (preservesDecode, jsonDecode, preservesEncode, jsonEncode) =
                (measurements[0], measurements[1], measurements[2], measurements[3])

            for (op, p, j) in [("decode", preservesDecode, jsonDecode), ("encode", preservesEncode, jsonEncode)] {
                let count = Double(d.values.count)
                let ratio = p.operationsPerSecond / j.operationsPerSecond  // the same values either way
                let mbRatio = p.megabytesPerSecond(bytes: d.preserves.count) / j.megabytesPerSecond(bytes: d.json.count)
                let met = ratio >= Self.target
                allMet = allMet && met
                table.add([
                    d.name, op,
                    formatRate(p.megabytesPerSecond(bytes: d.preserves.count)),
                    formatRate(count * p.operationsPerSecond),
                    formatRate(j.megabytesPerSecond(bytes: d.json.count)),
                    formatRate(count * j.operationsPerSecond),
                    String(format: "%.2f×", ratio),
                    String(format: "(%.2f×)", mbRatio),
                    met ? "yes" : "NO",
                ])
            }
        }
        print(table.render())
        print()
        print("""
            MB/s = 10⁶ bytes of each format's own encoding per second (sizes above); values = top-level \
            values (packets, or documents); figures are medians of ≥ \(options.minSamples) samples. \
            ratio = Preserves values/s ÷ JSON values/s (same data, so JSON time ÷ Preserves time); \
            (MB/s ratio) is for information. JSON baseline: Foundation JSONSerialization, the packet \
            stream as one JSON array document.
            """)
        print(allMet ? "target met: Preserves ≥ 3× JSON on every data set, decode and encode"
                     : "TARGET MISSED on at least one row (marked NO)")
        return allMet
    }
}

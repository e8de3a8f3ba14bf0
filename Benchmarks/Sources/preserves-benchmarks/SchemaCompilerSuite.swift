import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema
import SyndicateProtocols

/// The schema compiler and its output:
/// 1. compiling all protocol schemas to Swift in a fresh process (target < 0.3 s);
/// 2. typed decoding of a turn-packet stream (bytes → generated `Protocol.Packet`) against
///    Foundation's `JSONDecoder` decoding equivalent JSON into equivalent `Codable` structs
///    (target ≥ 3×).
struct SchemaCompilerSuite: BenchmarkSuite {
    var name: String { "schema-compiler" }
    var summary: String { "protocol schemas → Swift in a cold process (< 0.3 s); typed Packet decode vs JSONDecoder (≥ 3×)" }

    static let compileOnceFlag = "--compile-protocols-once"
    static let compileTarget = 0.3
    static let decodeTarget = 3.0

    /// What the child process does: read, check and compile every schema, write the files.
    static func compileOnce(schemas: String, output: String) -> Int32 {
        do {
            let configFile = schemas + "/preserves-schemac.config.pr"
            let config = try SwiftGeneratorConfiguration(
                configurationText: String(contentsOfFile: configFile, encoding: .utf8), file: configFile)
            let files = try SwiftGenerator(configuration: config).generate(try SchemaSources.readModules([schemas]))
            _ = try OutputWriter(directory: output, deleteOrphans: true).write(files)
            return files.isEmpty ? 1 : 0
        } catch {
            FileHandle.standardError.write(Data("compile failed: \(error)\n".utf8))
            return 1
        }
    }

    func run(options: BenchmarkOptions) throws -> Bool {
        let compile = try measureColdCompile(runs: options.quick ? 2 : 15)
        let decode = try measureTypedDecode(options: options)
        var table = TextTable(headers: ["benchmark", "measure", "value", "baseline", "ratio", "target"], leftAligned: 2)
        table.add(["compile protocol schemas (15 modules, cold process)", "median wall time",
                   String(format: "%.3f s", compile.median), "-", "-",
                   compile.median < Self.compileTarget ? "< 0.3 s: yes" : "< 0.3 s: NO"])
        table.add(["", "best / worst", String(format: "%.3f / %.3f s", compile.best, compile.samples.max()!), "", "", ""])
        table.add(["typed decode: turn packets → Protocol.Packet", "packets/s", formatRate(decode.packetsPerSecond),
                   formatRate(decode.jsonPacketsPerSecond) + " (JSONDecoder)",
                   String(format: "%.2f×", decode.ratio), decode.ratio >= Self.decodeTarget ? "≥ 3×: yes" : "≥ 3×: NO"])
        table.add(["", "MB/s (own encoding)", String(format: "%.1f", decode.megabytesPerSecond),
                   String(format: "%.1f", decode.jsonMegabytesPerSecond), "", ""])
        print(table.render())
        print("(compile: the benchmark binary re-run as a fresh process that reads, checks and generates all of "
              + "Schemas/SyndicateProtocols and writes the files, as preserves-schemac swift does; "
              + "decode: \(decode.count) packets, Preserves \(formatBytes(decode.preservesBytes)), JSON \(formatBytes(decode.jsonBytes)))")
        return compile.median < Self.compileTarget && decode.ratio >= Self.decodeTarget
    }

    // MARK: Cold compile

    func measureColdCompile(runs: Int) throws -> Measurement {
        let schemas = SharedMaterial.repositoryRoot.appendingPathComponent("Schemas/SyndicateProtocols").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("schemac-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<(runs + 1) {
            try? FileManager.default.removeItem(atPath: output)
            let process = Process()
            process.executableURL = executable
            process.arguments = [Self.compileOnceFlag, schemas, output]
            let start = clock.now
            try process.run()
            process.waitUntilExit()
            let elapsed = (clock.now - start).seconds
            guard process.terminationStatus == 0 else { throw BenchmarkFailure("the compile child process failed") }
            samples.append(elapsed)
        }
        // The first run warms the file cache; keep the rest.
        return Measurement(label: "cold compile", samples: Array(samples.dropFirst()), iterationsPerSample: 1)
    }

    // MARK: Typed decode

    struct DecodeResult {
        var count: Int
        var preservesBytes: Int
        var jsonBytes: Int
        var packetsPerSecond: Double
        var jsonPacketsPerSecond: Double
        var megabytesPerSecond: Double
        var jsonMegabytesPerSecond: Double
        var ratio: Double { packetsPerSecond / jsonPacketsPerSecond }
    }

    func measureTypedDecode(options: BenchmarkOptions) throws -> DecodeResult {
        let values = PreservesCodecSuite.turnPackets(count: options.quick ? 500 : 10_000)
        let writer = BinaryWriter<IOEmbedded>(options: .canonical)
        var bytes: [UInt8] = []
        for v in values { writer.encode(v, into: &bytes) }
        let typed = try values.map { try Protocol.Packet<IOEmbedded>(preserves: $0) }
        let json = try JSONEncoder().encode(typed.map(CodablePacket.init))
        // Both sides must decode to the same packets before timing means anything.
        let check = try JSONDecoder().decode([CodablePacket].self, from: json)
        guard check == typed.map(CodablePacket.init) else { throw BenchmarkFailure("JSON equivalent does not round-trip") }
        let reader = BinaryReader<IOEmbedded>()
        let decodeBinary = {
            let packets = try reader.decodeAll(bytes).map { try Protocol.Packet<IOEmbedded>(preserves: $0) }
            guard packets.count == values.count else { throw BenchmarkFailure("wrong packet count") }
            blackHole(packets)
        }
        let decodeJSON = {
            let packets = try JSONDecoder().decode([CodablePacket].self, from: json)
            guard packets.count == values.count else { throw BenchmarkFailure("wrong packet count") }
            blackHole(packets)
        }
        let m = try measureInterleaved([("preserves", decodeBinary), ("json", decodeJSON)], options: options)
        let n = Double(values.count)
        return DecodeResult(
            count: values.count, preservesBytes: bytes.count, jsonBytes: json.count,
            packetsPerSecond: n / m[0].median, jsonPacketsPerSecond: n / m[1].median,
            megabytesPerSecond: m[0].megabytesPerSecond(bytes: bytes.count),
            jsonMegabytesPerSecond: m[1].megabytesPerSecond(bytes: json.count))
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The JSON baseline's data model: the same packets as `Codable` structs, as a Swift service
/// using JSON would declare them. `Says` is typed (not a generic value) and the payload is
/// base64 text, which favours JSON.
struct CodablePacket: Codable, Equatable {
    var turn: [CodableTurnEvent]

    init(_ packet: Protocol.Packet<IOEmbedded>) {
        guard case .turn(let events) = packet else { fatalError("benchmark packets are turns") }
        turn = events.map(CodableTurnEvent.init)
    }
}

struct CodableTurnEvent: Codable, Equatable {
    var oid: Int
    var event: CodableEvent

    init(_ e: Protocol.TurnEvent<IOEmbedded>) {
        oid = e.oid.int!
        event = CodableEvent(e.event)
    }
}

enum CodableEvent: Codable, Equatable {
    case assert(assertion: CodableSays, handle: Int)
    case retract(handle: Int)
    case message(body: CodableSays)

    init(_ e: Protocol.Event<IOEmbedded>) {
        switch e {
        case .assert(let a): self = .assert(assertion: CodableSays(a.assertion), handle: a.handle.int!)
        case .retract(let r): self = .retract(handle: r.handle.int!)
        case .message(let m): self = .message(body: CodableSays(m.body))
        case .sync: fatalError("benchmark packets carry no sync")
        }
    }
}

struct CodableSays: Codable, Equatable {
    var who: String
    var payload: Data

    init(_ v: IOValue) {
        let r = v.record(label: "Says")!
        who = r.fields[0].string!
        payload = Data(r.fields[1].bytes!)
    }
}

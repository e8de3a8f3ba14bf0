import Foundation
import Preserves
import PreservesSchema
import SyndicateProtocols
import Testing

@Suite struct ProtocolRoundTripTests {
    static let schemaDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas/SyndicateProtocols").path

    static func bundle() throws -> Schema.Bundle {
        BundleWriter.bundle(try SchemaSources.readModules([schemaDirectory]))
    }

    /// The table must name every definition, so a schema change cannot skip this test.
    @Test func tableCoversEveryDefinition() throws {
        let bundle = try Self.bundle()
        let all = Set(bundle.modules.flatMap { path, schema in
            schema.definitions.keys.map { (path.map(\.name) + [$0.name]).joined(separator: ".") }
        })
        #expect(all.count == 137)
        #expect(Set(ProtocolDefinitions.roundTrips.keys) == all)
    }

    /// Random values generated from each definition's pattern parse into the generated type
    /// and serialize back to the same value.
    @Test func everyDefinitionRoundTrips() throws {
        let bundle = try Self.bundle()
        var generator = SchemaValueGenerator(bundle: bundle, seed: 0x5EED)
        var checked = 0
        var failures: [String] = []
        for (path, schema) in bundle.modules.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            for name in schema.definitions.keys.sorted() {
                let key = (path.map(\.name) + [name.name]).joined(separator: ".")
                guard let roundTrip = ProtocolDefinitions.roundTrips[key] else { continue }
                for _ in 0..<40 {
                    let value = generator.value(module: path, name: name)
                    do {
                        let back = try roundTrip(value)
                        if back != value { failures.append("\(key): \(value) came back as \(back)") }
                    } catch {
                        failures.append("\(key): \(value) did not parse: \(error)")
                    }
                    checked += 1
                }
            }
        }
        print("protocol round trips: \(checked - failures.count)/\(checked) values over \(ProtocolDefinitions.roundTrips.count) definitions")
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5).joined(separator: "\n"))")
    }
}

extension Schema.ModulePath {
    func lexicographicallyPrecedes(_ other: Self) -> Bool { map(\.name).lexicographicallyPrecedes(other.map(\.name)) }
}

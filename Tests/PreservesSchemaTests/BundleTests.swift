import Foundation
import Preserves
import PreservesSchema
import Testing
import TestSupport

/// Compiled bundles must be byte-identical to upstream's `preserves-schemac` output.
@Suite struct BundleTests {
    @Test(arguments: ["py-0.19.3", "rs-2025"])
    func protocolBundlesAreByteIdentical(revision: String) throws {
        let modules = try SchemaSources.readModules([SharedMaterial.path("upstream/syndicate-protocols/\(revision)/schemas")])
        try SchemaChecker().check(modules)
        let expected = try SharedMaterial.bytes("upstream/syndicate-protocols/\(revision)/schema-bundle.bin")
        let actual = BundleWriter.bundleBytes(modules)
        #expect(actual.count == expected.count)
        #expect(actual == expected, "bundle for \(revision) differs from upstream's")
    }

    /// syndicate-server's own schemas refer to modules they do not contain (`TransportAddress`,
    /// `gatekeeper`, `http`); upstream bundles them as they are, and so do we, byte for byte.
    @Test func syndicateServerSchemasBundleAsUpstreamDoes() throws {
        let names = ["control", "documentation", "externalServices", "internalServices"]
        let files = names.map { SharedMaterial.repoPath("Schemas/SyndicateServerSchemas/\($0).prs") }
        let modules = try SchemaSources.readModules(files)
        #expect(throws: SchemaErrors.self) { try SchemaChecker().check(modules) }
        try SchemaChecker(acceptsUnknownModules: true).check(modules)
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: SharedMaterial.repoPath("Tests/Fixtures/syndicate-server-schema-bundle.bin"))))
        #expect(BundleWriter.bundleBytes(modules) == expected)
    }

    /// Accepting unknown modules never hides a missing definition in a module that is there.
    @Test func acceptingUnknownModulesStillChecksKnownOnes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schemac-external-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "version 1 . A = <a @x Elsewhere.Thing @y b.Missing> .".write(to: root.appendingPathComponent("a.prs"), atomically: true, encoding: .utf8)
        try "version 1 . B = int .".write(to: root.appendingPathComponent("b.prs"), atomically: true, encoding: .utf8)
        let modules = try SchemaSources.readModules([root.path])
        let error = try #require(throws: SchemaErrors.self) { try SchemaChecker(acceptsUnknownModules: true).check(modules) }
        #expect(error.errors.count == 1)
        #expect(error.errors[0].description.contains("b.Missing refers to no definition"))
    }

    @Test func metaschemaCompilesToUpstreamSchemaPrb() throws {
        let modules = try SchemaSources.readModules([SharedMaterial.path("upstream/preserves/schema.prs")])
        #expect(modules.map(\.path) == [[Symbol("schema")]])
        #expect(BundleWriter.schemaBytes(modules[0]) == (try SharedMaterial.bytes("upstream/preserves/schema.prb")))
    }

    /// The committed copy in Schemas/ is the one the generated metaschema types come from.
    @Test func committedMetaschemaSourceMatchesUpstream() throws {
        let modules = try SchemaSources.readModules([SharedMaterial.repoPath("Schemas/PreservesMetaschema")])
        #expect(BundleWriter.schemaBytes(modules[0]) == (try SharedMaterial.bytes("upstream/preserves/schema.prb")))
    }

    /// The generated metaschema types parse upstream's compiled metaschema and write it back
    /// byte for byte: the bootstrap is closed.
    @Test func generatedMetaschemaTypesRoundTripSchemaPrb() throws {
        let bytes = try SharedMaterial.bytes("upstream/preserves/schema.prb")
        let schema = try Schema.Schema(preserves: try Value<Never>(binary: bytes))
        #expect(schema.definitions.count == 18)
        #expect(BinaryWriter<Never>().encode(schema.preserves) == bytes)
    }

    @Test(arguments: ["py-0.19.3", "rs-2025"])
    func generatedMetaschemaTypesRoundTripBundles(revision: String) throws {
        let bytes = try SharedMaterial.bytes("upstream/syndicate-protocols/\(revision)/schema-bundle.bin")
        let bundle = try Schema.Bundle(preserves: try Value<Never>(binary: bytes))
        #expect(bundle.modules.keys.contains([Symbol("protocol")]))
        #expect(BinaryWriter<Never>().encode(bundle.preserves) == bytes)
    }

    /// Module paths come from file paths relative to each directory given.
    @Test func modulePathsFollowDirectoryLayout() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schemac-layout-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try "version 1 . X = int .".write(to: root.appendingPathComponent("a/b/c.prs"), atomically: true, encoding: .utf8)
        try "version 1 . Y = a.b.c.X .".write(to: root.appendingPathComponent("top.prs"), atomically: true, encoding: .utf8)
        let modules = try SchemaSources.readModules([root.path])
        #expect(Set(modules.map(\.path)) == [[Symbol("a"), Symbol("b"), Symbol("c")], [Symbol("top")]])
        try SchemaChecker().check(modules)
        let bundle = try Schema.Bundle(preserves: try Value<Never>(binary: BundleWriter.bundleBytes(modules)))
        #expect(bundle.modules.count == 2)
    }
}

import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema
import PreservesSchemaDocs
import Testing
import TestSupport

/// The upstream workflow on the real fixture: a temporary copy of the package's schema layout
/// at the py-0.19.3 revision is moved to rs-2025. The repository itself is never written.
@Suite struct UpstreamUpdateTests {
    /// `root/Schemas/SyndicateProtocols` holding the py-0.19.3 schemas and the committed
    /// configuration, and `root/Generated/SyndicateProtocols` generated from them.
    static func packageCopy(_ label: String) throws -> (root: URL, schemas: String, generated: String) {
        let fm = FileManager.default
        let root = try TestPaths.temporaryDirectory(label)
        let schemas = root.appendingPathComponent("Schemas/SyndicateProtocols")
        try fm.createDirectory(at: schemas, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: TestPaths.py0193) where name.hasSuffix(".prs") {
            try fm.copyItem(atPath: TestPaths.py0193 + "/" + name, toPath: schemas.appendingPathComponent(name).path)
        }
        let config = "preserves-schemac.config.pr"
        try fm.copyItem(atPath: TestPaths.repo("Schemas/SyndicateProtocols/\(config)"), toPath: schemas.appendingPathComponent(config).path)
        let generated = root.appendingPathComponent("Generated/SyndicateProtocols").path
        let configuration = try SwiftGeneratorConfiguration(
            configurationText: String(contentsOfFile: schemas.appendingPathComponent(config).path, encoding: .utf8), file: config)
        let files = try SwiftGenerator(configuration: configuration).generate(try SchemaSources.readModules([schemas.path]))
        _ = try OutputWriter(directory: generated, deleteOrphans: true).write(files)
        return (root, schemas.path, generated)
    }

    @Test(.timeLimit(.minutes(3)))
    func followingUpstreamFromPy0193ToRs2025() async throws {
        let (root, schemas, generated) = try Self.packageCopy("upstream-rs2025")
        defer { try? FileManager.default.removeItem(at: root) }
        var update = UpstreamUpdate(upstreamDirectory: TestPaths.rs2025, schemasDirectory: schemas)
        update.generatedDirectory = UpstreamUpdate.conventionalGeneratedDirectory(forSchemas: schemas)
        #expect(update.generatedDirectory == URL(fileURLWithPath: generated).standardizedFileURL.path)
        update.documentationDirectory = root.appendingPathComponent("docs").path
        update.bundleFile = root.appendingPathComponent("protocols.prb").path
        let result = try update.run()
        let report = result.report

        // Modules and definitions added and removed.
        #expect(report.module("rpc")?.status == .added)
        #expect(Set(report.module("rpc")?.definitions.map(\.name.name) ?? []) == ["Question", "Answer", "Result", "Ok", "Error"])
        for name in ["EnableCreditFlowControl", "EnabledCreditFlowControl", "IssueCredit"] {
            #expect(report.definition("protocol", name)?.status == .added, "protocol.\(name)")
        }
        #expect(report.definition("protocol", "IssueCredit")?.newSwift?.members.map(\.description) == ["var count: SignedInteger"])
        #expect(report.definition("timer", "PeriodicTick")?.status == .added)
        let resolved = try #require(report.definition("gatekeeper", "Resolved"))
        #expect(resolved.status == .removed)
        #expect(resolved.isWireIncompatible)
        #expect(report.definition("gatekeeper", "Rejected")?.status == .removed)

        // Resolve.observer changes type (the capability's interface), which breaks the protocol.
        let resolve = try #require(report.definition("gatekeeper", "Resolve"))
        #expect(resolve.status == .changed)
        #expect(resolve.isWireIncompatible)
        let observer = try #require(resolve.differences.first { $0.location == ["field observer"] })
        #expect(observer.old == "#:Resolved")
        #expect(observer.new == "#:rpc.Result")
        #expect(observer.isWireIncompatible)

        // Changes to the Swift API.
        let bound = try #require(report.definition("gatekeeper", "Bound"))
        #expect(bound.isWireIncompatible)
        #expect(bound.swiftChanges.map(\.description) == [
            "case removed: case rejected(Gatekeeper.Rejected<Embedded>)",
            "case added: case error(Rpc.Error<Embedded>)",
        ])
        let resolvePath = try #require(report.definition("gatekeeper", "ResolvePath"))
        #expect(resolvePath.differences.first?.description == "arity: 4 fields → 1 field")
        #expect(resolvePath.swiftChanges.map(\.description).contains("property removed: var resolved: Gatekeeper.Resolved<Embedded>"))
        let pathStep = try #require(report.definition("gatekeeper", "ResolvedPathStep"))
        #expect(pathStep.swiftChanges.first == .kindChanged(from: .structure, to: .typeAlias))
        // Definitions that did not change are not reported; protocol.Packet is the same.
        #expect(report.definition("protocol", "Packet") == nil)
        #expect(report.module("sturdy") == nil)
        #expect(report.hasWireIncompatibleChanges)

        // The printed report names all of it, marking incompatible lines.
        let text = report.text
        for expected in [
            "module rpc: added", "+ Question = <q @request any>", "! - Resolved = ", "! ~ Resolve\n",
            "field observer: #:Resolved → #:rpc.Result", "+ EnableCreditFlowControl = <do <credit-flow-control 202506>>",
            "+ EnabledCreditFlowControl", "+ IssueCredit = <C @count int>", "module timer: changed", "+ PeriodicTick = <periodic-tick @interval double>",
        ] {
            #expect(text.contains(expected), "the report lacks \(expected):\n\(text)")
        }

        // The schema directory now holds the upstream files; the configuration is kept.
        #expect(result.schemaFiles.added == ["rpc.prs"])
        #expect(result.schemaFiles.replaced.sorted() == ["gatekeeper.prs", "protocol.prs", "timer.prs"])
        #expect(result.schemaFiles.removed.isEmpty)
        for name in try FileManager.default.contentsOfDirectory(atPath: TestPaths.rs2025) {
            #expect(FileManager.default.contents(atPath: schemas + "/" + name) == FileManager.default.contents(atPath: TestPaths.rs2025 + "/" + name), "\(name)")
        }
        #expect(FileManager.default.fileExists(atPath: schemas + "/preserves-schemac.config.pr"))

        // Only the changed modules' Swift was rewritten; the bundle is upstream's.
        #expect(result.swift?.written.sorted() == ["gatekeeper.swift", "protocol.swift", "rpc.swift", "timer.swift"])
        #expect(result.bundleWritten)
        #expect(FileManager.default.contents(atPath: root.appendingPathComponent("protocols.prb").path)
            == FileManager.default.contents(atPath: TestPaths.shared("upstream/syndicate-protocols/rs-2025/schema-bundle.bin")))

        // The documentation has the report as a page, linked from the others, with working links.
        let docs = root.appendingPathComponent("docs")
        let changes = HTMLPageParser.parse(try String(contentsOf: docs.appendingPathComponent("changes.html"), encoding: .utf8), url: "changes.html")
        #expect(changes.errors.isEmpty, "\(changes.errors)")
        #expect(changes.bodyText.contains("field observer: #:Resolved → #:rpc.Result"))
        #expect(changes.hrefs.contains("protocol.html#IssueCredit"))
        #expect(changes.hrefs.contains("rpc.html"))
        for href in changes.hrefs where href.contains("#") {
            let parts = href.split(separator: "#").map(String.init)
            let page = HTMLPageParser.parse(try String(contentsOf: docs.appendingPathComponent(parts[0]), encoding: .utf8), url: parts[0])
            #expect(page.ids.contains(parts[1]), "changes.html: \(href) does not resolve")
        }
        let index = HTMLPageParser.parse(try String(contentsOf: docs.appendingPathComponent("index.html"), encoding: .utf8), url: "index.html")
        #expect(index.navigationHrefs.contains("changes.html"))

        // The regenerated bindings compile, and the new definitions are there with the expected shapes.
        let modules = try #require(SwiftTypeChecker.modulesDirectory(), "the Preserves module is not built; run swift build first")
        let usage = root.appendingPathComponent("Usage.swift")
        try Data("""
            import Preserves

            func useTheNewBindings() {
                _ = Protocol.IssueCredit(count: 5)
                _ = Protocol.EnableCreditFlowControl()
                _ = Timer.PeriodicTick(interval: 1.5)
                let result: Rpc.Result<IOEmbedded> = .ok(Rpc.Ok(value: .symbol("done")))
                _ = Rpc.Answer<IOEmbedded>(request: "q", response: result.preserves)
            }

            """.utf8).write(to: usage)
        let files = try FileManager.default.contentsOfDirectory(atPath: generated).filter { $0.hasSuffix(".swift") }.sorted()
            .map { generated + "/" + $0 }
        let check = try await SwiftTypeChecker.typecheck(files + [usage.path], moduleName: "SyndicateProtocols", modules: modules)
        #expect(check.status == 0, "the regenerated bindings do not compile:\n\(check.output.suffix(4000))")
    }

    @Test func filesUpstreamNoLongerHasAreRemovedAndReported() throws {
        let fm = FileManager.default
        let root = try TestPaths.temporaryDirectory("upstream-removal")
        defer { try? fm.removeItem(at: root) }
        let schemas = root.appendingPathComponent("Schemas/Small")
        let upstream = root.appendingPathComponent("upstream")
        try fm.createDirectory(at: schemas, withIntermediateDirectories: true)
        try fm.createDirectory(at: upstream.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("version 1 . A = <a @x int> .".utf8).write(to: schemas.appendingPathComponent("a.prs"))
        try Data("version 1 . B = <b> .".utf8).write(to: schemas.appendingPathComponent("b.prs"))
        try Data("{accessLevel: public}".utf8).write(to: schemas.appendingPathComponent("preserves-schemac.config.pr"))
        try Data("version 1 . A = <a @x int @y int> .".utf8).write(to: upstream.appendingPathComponent("a.prs"))
        try Data("version 1 . C = a.A .".utf8).write(to: upstream.appendingPathComponent("sub/c.prs"))

        var dryRun = UpstreamUpdate(upstreamDirectory: upstream.path, schemasDirectory: schemas.path)
        dryRun.generatedDirectory = UpstreamUpdate.conventionalGeneratedDirectory(forSchemas: schemas.path)
        dryRun.dryRun = true
        let preview = try dryRun.run()
        #expect(preview.report.module("b")?.status == .removed)
        #expect(fm.fileExists(atPath: schemas.appendingPathComponent("b.prs").path), "a dry run changes nothing")
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("Generated").path))

        var update = dryRun
        update.dryRun = false
        let result = try update.run()
        #expect(result.schemaFiles.removed == ["b.prs"])
        #expect(result.schemaFiles.added == ["sub/c.prs"])
        #expect(result.schemaFiles.replaced == ["a.prs"])
        #expect(!fm.fileExists(atPath: schemas.appendingPathComponent("b.prs").path))
        #expect(fm.fileExists(atPath: schemas.appendingPathComponent("preserves-schemac.config.pr").path))
        #expect(result.report.module("b")?.status == .removed)
        #expect(result.report.module("sub.c")?.status == .added)
        #expect(result.report.definition("a", "A")?.isWireIncompatible == true)
        let generated = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("Generated/Small").path).sorted()
        #expect(generated == ["a.swift", "sub.c.swift"])
        #expect(result.actionLines.contains("schemas removed (upstream no longer has them): b.prs"))
    }

    @Test func aBrokenUpstreamChangesNothing() throws {
        let fm = FileManager.default
        let root = try TestPaths.temporaryDirectory("upstream-broken")
        defer { try? fm.removeItem(at: root) }
        let schemas = root.appendingPathComponent("Schemas/Small")
        let upstream = root.appendingPathComponent("upstream")
        try fm.createDirectory(at: schemas, withIntermediateDirectories: true)
        try fm.createDirectory(at: upstream, withIntermediateDirectories: true)
        try Data("version 1 . A = int .".utf8).write(to: schemas.appendingPathComponent("a.prs"))
        try Data("version 1 . A = Missing .".utf8).write(to: upstream.appendingPathComponent("a.prs"))
        var update = UpstreamUpdate(upstreamDirectory: upstream.path, schemasDirectory: schemas.path)
        update.generatedDirectory = root.appendingPathComponent("Generated").path
        #expect(throws: UpstreamUpdateError.self) { try update.run() }
        #expect(try String(contentsOf: schemas.appendingPathComponent("a.prs"), encoding: .utf8) == "version 1 . A = int .")
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("Generated").path))
    }

    /// The command line: `preserves-schemadoc upstream --dry-run` prints the report and changes nothing.
    @Test func commandLineDryRun() async throws {
        let (root, schemas, _) = try Self.packageCopy("upstream-cli")
        defer { try? FileManager.default.removeItem(at: root) }
        let tool = BuiltExecutables.path("preserves-schemadoc")
        try #require(FileManager.default.isExecutableFile(atPath: tool), "preserves-schemadoc is not built beside the tests (\(tool))")
        let before = try FileManager.default.contentsOfDirectory(atPath: schemas).sorted()
        let result = try await ProcessRunner.run(tool, ["upstream", TestPaths.rs2025, "--schemas", schemas, "--dry-run", "--fail-on-incompatible"])
        let output = result.output
        #expect(result.status == 2, "wire-incompatible changes fail with --fail-on-incompatible")
        #expect(output.hasPrefix("Dry run: no files were changed."))
        #expect(output.contains("module rpc: added"))
        #expect(output.contains("field observer: #:Resolved → #:rpc.Result"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: schemas).sorted() == before)
    }
}

import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema
import PreservesSchemaDocs
import Testing

/// References into modules documented by another site are links (`moduleLinks`, the
/// `--link-module NAME=URL` option), and long module names wrap in the sidebar.
@Suite struct CrossSiteLinkTests {
    /// Writes `Schemas/<name>` (with its configuration and the modules it includes as context)
    /// into `root/<name>`, and parses the pages back.
    static func write(_ name: String, into root: URL, moduleLinks: [String: String] = [:]) throws -> [String: ParsedPage] {
        let schemas = TestPaths.repo("Schemas/\(name)")
        let configFile = schemas + "/preserves-schemac.config.pr"
        let configuration = try SwiftGeneratorConfiguration(
            configurationText: String(contentsOfFile: configFile, encoding: .utf8), file: configFile)
        let modules = try SchemaSources.readModules([schemas])
        var builder = SchemaDocumentationBuilder(title: name, configuration: configuration)
        builder.moduleLinks = moduleLinks
        let documentation = try builder.build(modules, context: try configuration.contextModules())
        let directory = root.appendingPathComponent(name)
        _ = try DocumentationSiteWriter(directory: directory.path).write(documentation)
        var pages: [String: ParsedPage] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".html") {
            pages[file] = HTMLPageParser.parse(try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8), url: file)
        }
        return pages
    }

    @Test func referencesIntoAnotherSitesModulesLinkToItsPages() throws {
        let root = try TestPaths.temporaryDirectory("docs-linked")
        defer { try? FileManager.default.removeItem(at: root) }
        let protocols = try Self.write("SyndicateProtocols", into: root)
        let links = ["gatekeeper": "../SyndicateProtocols/gatekeeper.html", "TransportAddress": "../SyndicateProtocols/transportAddress.html"]
        let server = try Self.write("SyndicateServerSchemas", into: root, moduleLinks: links)
        let page = try #require(server["internalServices.html"])
        // TcpWithoutHttp = <relay-listener @addr TransportAddress.Tcp @gatekeeper #:gatekeeper.Resolve> .
        #expect(page.hrefs.contains("../SyndicateProtocols/gatekeeper.html#Resolve"))
        #expect(page.hrefs.contains("../SyndicateProtocols/transportAddress.html#Tcp"))
        // Every such link names a page and an anchor that the other site has.
        var checked = 0
        for href in Set(server.values.flatMap(\.hrefs)) where href.hasPrefix("../SyndicateProtocols/") {
            let parts = String(href.dropFirst("../SyndicateProtocols/".count)).split(separator: "#").map(String.init)
            let target = try #require(protocols[parts[0]], "\(href) names a missing page")
            #expect(parts.count == 2 && target.ids.contains(parts[1]), "\(href) names a missing anchor")
            checked += 1
        }
        #expect(checked >= 2)
        // Without the option, the same references are shown but not linked.
        let unlinked = try Self.write("SyndicateServerSchemas", into: root.appendingPathComponent("alone"))
        #expect(try #require(unlinked["internalServices.html"]).hrefs.allSatisfy { !$0.contains("gatekeeper.html") })
    }

    @Test func aLongModuleNameCanWrapInTheSidebar() throws {
        let root = try TestPaths.temporaryDirectory("docs-long")
        defer { try? FileManager.default.removeItem(at: root) }
        let schemas = root.appendingPathComponent("schemas/organisation/department/averyveryverylongmodulenamethatwouldoverflow")
        try FileManager.default.createDirectory(at: schemas.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "version 1 .\nThing = <thing @n int> .\n".write(to: schemas.appendingPathExtension("prs"), atomically: true, encoding: .utf8)
        let modules = try SchemaSources.readModules([root.appendingPathComponent("schemas").path])
        let documentation = try SchemaDocumentationBuilder(title: "long").build(modules)
        let site = root.appendingPathComponent("site")
        _ = try DocumentationSiteWriter(directory: site.path).write(documentation)
        let name = "organisation.department.averyveryverylongmodulenamethatwouldoverflow"
        let page = HTMLPageParser.parse(try String(contentsOf: site.appendingPathComponent(name + ".html"), encoding: .utf8), url: name)
        #expect(page.errors.isEmpty, "\(page.errors)")
        #expect(page.bodyText.contains(name), "the name reads the same")
        let css = try String(contentsOf: site.appendingPathComponent("style.css"), encoding: .utf8)
        let rule = try #require(css.split(separator: "\n").first { $0.contains("nav.sidebar li a {") })
        #expect(rule.contains("overflow-wrap: anywhere"), "a long name breaks instead of being clipped")
    }
}

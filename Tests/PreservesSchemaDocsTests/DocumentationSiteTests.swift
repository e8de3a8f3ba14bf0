import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema
import PreservesSchemaDocs
import Testing

/// The HTML documentation of the committed schemas, generated into a temporary directory and
/// parsed back with libxml2.
@Suite struct DocumentationSiteTests {
    /// A written site and the modules it documents.
    struct Site {
        var directory: URL
        var modules: [SchemaModule]
        var pages: [String: ParsedPage]

        func page(_ name: String) throws -> ParsedPage {
            try #require(pages[name], "no page \(name)")
        }
    }

    /// Generates the site for `Schemas/<name>` (with its configuration) as `preserves-schemadoc html` does.
    static func site(_ name: String) throws -> Site {
        let schemas = TestPaths.repo("Schemas/\(name)")
        let configFile = schemas + "/preserves-schemac.config.pr"
        let configuration = try SwiftGeneratorConfiguration(
            configurationText: String(contentsOfFile: configFile, encoding: .utf8), file: configFile)
        let modules = try SchemaSources.readModules([schemas])
        let documentation = try SchemaDocumentationBuilder(title: name, configuration: configuration).build(modules)
        let directory = try TestPaths.temporaryDirectory("docs-\(name)")
        _ = try DocumentationSiteWriter(directory: directory.path).write(documentation)
        var pages: [String: ParsedPage] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".html") {
            let html = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            pages[file] = HTMLPageParser.parse(html, url: file)
        }
        return Site(directory: directory, modules: modules, pages: pages)
    }

    static let schemaSets = ["SyndicateProtocols", "PreservesMetaschema"]

    @Test(arguments: schemaSets)
    func everyPageIsWellFormedWithTheModuleListAndAStylesheet(name: String) throws {
        let site = try Self.site(name)
        defer { try? FileManager.default.removeItem(at: site.directory) }
        #expect(site.pages.count == site.modules.count + 1, "an index plus one page per module")
        #expect(FileManager.default.fileExists(atPath: site.directory.appendingPathComponent("style.css").path))
        let modulePages = site.modules.map { $0.dottedPath + ".html" }
        for (file, page) in site.pages {
            #expect(page.errors.isEmpty, "\(file): \(page.errors)")
            for element in ["html", "head", "body", "title", "nav", "main", "h1"] {
                #expect(page.count(element) == 1, "\(file): \(page.count(element)) <\(element)> elements")
            }
            #expect(!page.title.isEmpty)
            #expect(page.hrefs.contains("style.css"), "\(file) links the stylesheet")
            #expect(Set(page.navigationHrefs).isSuperset(of: modulePages + ["index.html"]), "\(file) lists every module")
            #expect(Set(page.ids).count == page.ids.count, "\(file) has duplicate ids")
        }
    }

    @Test(arguments: schemaSets)
    func everyDefinitionOfEveryModuleHasAnAnchor(name: String) throws {
        let site = try Self.site(name)
        defer { try? FileManager.default.removeItem(at: site.directory) }
        var anchors = 0
        for module in site.modules {
            let page = try site.page(module.dottedPath + ".html")
            for definition in module.schema.definitions.keys {
                #expect(page.ids.contains(definition.name), "\(module.dottedPath).html has no anchor for \(definition.name)")
                anchors += 1
            }
        }
        #expect(anchors == site.modules.reduce(0) { $0 + $1.schema.definitions.count })
    }

    @Test(arguments: schemaSets)
    func everyLinkResolvesToAnExistingPageAndAnchor(name: String) throws {
        let site = try Self.site(name)
        defer { try? FileManager.default.removeItem(at: site.directory) }
        var checked = 0
        var crossModule = 0
        for (file, page) in site.pages {
            for href in page.hrefs where !href.hasPrefix("http://") && !href.hasPrefix("https://") {
                let parts = href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let target = parts[0].isEmpty ? file : parts[0]
                #expect(FileManager.default.fileExists(atPath: site.directory.appendingPathComponent(target).path),
                        "\(file): \(href) names a missing file")
                if parts.count == 2 {
                    let anchors = site.pages[target]?.ids ?? []
                    #expect(anchors.contains(parts[1]), "\(file): \(href) names a missing anchor")
                    if target != file && target != "index.html" && file != "index.html" { crossModule += 1 }
                }
                checked += 1
            }
        }
        #expect(checked > 100)
        if name == "SyndicateProtocols" {
            #expect(crossModule > 0, "references between modules are links")
        }
    }

    @Test func referencesInSourceAreLinks() throws {
        let site = try Self.site("SyndicateProtocols")
        defer { try? FileManager.default.removeItem(at: site.directory) }
        // trace.ExitStatus = @ok =ok / @Error protocol.Error .
        #expect(try site.page("trace.html").hrefs.contains("protocol.html#Error"))
        // gatekeeper.Resolve = <resolve @step Step @observer #:Resolved> .
        #expect(try site.page("gatekeeper.html").hrefs.contains("gatekeeper.html#Resolved"))
        // The embedded type's module is not part of the schemas, so it is shown but not linked.
        #expect(try !site.page("sturdy.html").hrefs.contains { $0.hasPrefix("EntityRef") })
    }

    @Test func schemaCommentsAppearInTheirDefinitionsSection() throws {
        let site = try Self.site("SyndicateProtocols")
        defer { try? FileManager.default.removeItem(at: site.directory) }
        let sturdy = try site.page("sturdy.html")
        let comment = "In a gatekeeper.Step or gatekeeper.PathStep, use Parameters as detail."
        #expect(sturdy.textByID["SturdyStepDetail"]?.contains(comment) == true)
        #expect(sturdy.textByID["SturdyPathStepDetail"]?.contains(comment) == false)
        #expect(sturdy.textByID["SturdyRef"]?.contains("The sequence of Caveats is run RIGHT-TO-LEFT.") == true)
        let gatekeeper = try site.page("gatekeeper.html")
        #expect(gatekeeper.textByID["Resolve"]?.contains("Gatekeeper will attempt to resolve") == true)
    }

    @Test func embeddedTypeAndSwiftTypeNamesAreShown() throws {
        let site = try Self.site("SyndicateProtocols")
        defer { try? FileManager.default.removeItem(at: site.directory) }
        let sturdy = try site.page("sturdy.html")
        #expect(sturdy.bodyText.contains("embeddedType EntityRef.Cap"))
        #expect(sturdy.textByID["SturdyRef"]?.contains("struct Sturdy.SturdyRef<Embedded>") == true)
        let proto = try site.page("protocol.html")
        #expect(!proto.bodyText.contains("embeddedType #f"))
        #expect(proto.bodyText.contains("none declared"))
        let packet = try #require(proto.textByID["Packet"])
        #expect(packet.contains("enum Protocol.Packet<Embedded>"))
        #expect(packet.contains("case turn(Protocol.Turn<Embedded>)"))
        #expect(packet.contains("/ Turn"), "alternatives are laid out one per line")
        #expect(proto.textByID["Handle"]?.contains("typealias Protocol.Handle = SignedInteger") == true)
        let index = try site.page("index.html")
        #expect(index.bodyText.contains("Protocol"))
    }

    @Test func textIsEscapedByLibxml2() throws {
        let text = """
            version 1 .
            # Watch out: <script>alert("x")</script> & more
            Tricky = <tricky "<&>\\"" @x int> .
            Other = Tricky .
            """
        let module = try SchemaReader().read(text, file: "tricky.prs", modulePath: [Symbol("tricky")])
        let documentation = try SchemaDocumentationBuilder(title: "A <b>title</b> & more").build([module])
        let files = HTMLSiteRenderer().render(documentation)
        let html = try #require(files.first { $0.name == "tricky.html" }).contents
        let page = HTMLPageParser.parse(html, url: "tricky.html")
        #expect(page.errors.isEmpty, "\(page.errors)")
        #expect(page.count("script") == 0)
        #expect(page.count("b") == 0)
        #expect(page.title == "tricky — A <b>title</b> & more")
        #expect(page.textByID["Tricky"]?.contains(#"Watch out: <script>alert("x")</script> & more"#) == true)
        #expect(page.textByID["Tricky"]?.contains(#"<tricky "<&>\"" @x int>"#) == true)
        #expect(page.textByID["Tricky"]?.contains("Used by Other") == true)
    }

    @Test func writerRemovesOnlyPagesItWroteBefore() throws {
        let directory = try TestPaths.temporaryDirectory("docs-writer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try SchemaReader().read("version 1 . A = int .", file: "a.prs", modulePath: [Symbol("a")])
        let b = try SchemaReader().read("version 1 . B = a.A .", file: "b.prs", modulePath: [Symbol("b")])
        let writer = DocumentationSiteWriter(directory: directory.path)
        let first = try writer.write(try SchemaDocumentationBuilder(title: "t").build([a, b]))
        #expect(first.written.sorted() == ["a.html", "b.html", "index.html", "style.css"])
        try Data("mine".utf8).write(to: directory.appendingPathComponent("notes.html"))
        let second = try writer.write(try SchemaDocumentationBuilder(title: "t").build([a]))
        #expect(second.deleted == ["b.html"])
        #expect(second.unchanged.contains("style.css"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.html").path))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("b.html").path))
    }
}

/// The HTML checker itself: it must see what libxml2 reports.
@Suite struct HTMLPageParserTests {
    @Test func malformedHTMLIsReportedButHTML5ElementsAreAccepted() {
        let page = HTMLPageParser.parse(
            "<!DOCTYPE html><html><head><title>t</title></head><body><nav><a href=\"x.html#y\">x</a></nav><main><p>a</p></span></main></body></html>",
            url: "bad.html")
        #expect(page.errors.count == 1, "\(page.errors)")
        #expect(page.errors.first?.contains("Unexpected end tag : span") == true)
        #expect(page.navigationHrefs == ["x.html#y"])
        #expect(page.title == "t")
    }
}

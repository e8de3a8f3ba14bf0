import ArgumentParser
import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema
import PreservesSchemaDocs

struct HTMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "html",
        abstract: "Write a static HTML documentation site for the schemas.",
        discussion: """
            Writes index.html (the modules), one page per module (protocol.prs → protocol.html) with an \
            anchor per definition (protocol.html#Packet), and style.css into the output directory. Each \
            definition is shown in .prs syntax with its references linked, its comments, and the Swift \
            type generated for it (names follow --config). With --compare-with, the site also has a \
            changes.html page reporting what changed from that older revision. Pages an earlier run \
            wrote that are no longer produced are removed; nothing else in the directory is touched.
            """
    )

    @Argument(help: "Schema directories (searched recursively for .prs files) or files.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The directory to write the site into.")
    var output: String

    @Option(name: .long, help: "The compiler configuration (Preserves text), which decides the Swift names shown.")
    var config: String?

    @Option(name: .long, parsing: .singleValue, help: "Schemas referred to but documented elsewhere (directories or files; repeatable).")
    var include: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "A module documented elsewhere, and its page: references to NAME.Def link to URL#Def (repeatable), e.g. gatekeeper=../SyndicateProtocols/gatekeeper.html.",
        valueName: "NAME=URL"))
    var linkModule: [String] = []

    @Option(name: .long, help: "The site's title (default: the name of the first input).")
    var title: String?

    @Option(name: .long, help: "An older revision of the schemas (a directory); adds a change report page.")
    var compareWith: String?

    @Flag(name: .shortAndLong, help: "Print what was written.")
    var verbose = false

    func run() throws {
        var configuration = SwiftGeneratorConfiguration()
        if let config {
            let text = try String(contentsOfFile: config, encoding: .utf8)
            configuration = try reportingErrors { try SwiftGeneratorConfiguration(configurationText: text, file: config) }
        }
        let modules = try reportingErrors { try SchemaSources.readModules(inputs) }
        let context = try reportingErrors { try configuration.contextModules(extraIncludes: include) }
        let externalPaths = Set(configuration.moduleMappings.keys.map { $0.split(separator: ".").map { Symbol(String($0)) } })
        try reportingErrors { try SchemaChecker(externalModules: externalPaths).check(modules, context: context) }
        var report: SchemaChangeReport?
        if let compareWith {
            let old = try reportingErrors { try SchemaSources.readModules([compareWith]) }
            report = try reportingErrors {
                try SchemaComparison(configuration: configuration).compare(
                    old: old, new: modules, context: context, oldSource: compareWith, newSource: inputs.joined(separator: " "))
            }
        }
        var moduleLinks: [String: String] = [:]
        for entry in linkModule {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
                throw ValidationError("--link-module \(entry): expected NAME=URL, e.g. gatekeeper=../SyndicateProtocols/gatekeeper.html")
            }
            moduleLinks[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        // An external module (configuration `externalModules`) links where the module its schema
        // file defines does: `TransportAddress` → the page given for `transportAddress`.
        for (name, external) in configuration.externalModules where moduleLinks[name] == nil {
            let defined = URL(fileURLWithPath: external.schema).deletingPathExtension().lastPathComponent
            if let page = moduleLinks[defined] { moduleLinks[name] = page }
        }
        let siteTitle = title ?? URL(fileURLWithPath: inputs[0]).standardizedFileURL.deletingPathExtension().lastPathComponent
        let documentation = try reportingErrors {
            var builder = SchemaDocumentationBuilder(title: siteTitle, configuration: configuration)
            builder.moduleLinks = moduleLinks
            return try builder.build(modules, context: context, changeReport: report)
        }
        let written: DocumentationSiteWriter.Report
        do {
            written = try DocumentationSiteWriter(directory: output).write(documentation)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode.failure
        }
        if verbose {
            for name in written.written { print("wrote \(name)") }
            for name in written.deleted { print("deleted \(name)") }
        }
        var parts = ["\(written.written.count) \(written.written.count == 1 ? "file" : "files") written", "\(written.unchanged.count) unchanged"]
        if !written.deleted.isEmpty { parts.append("\(written.deleted.count) deleted") }
        print("\(modules.count) \(modules.count == 1 ? "module" : "modules") documented in \(output)/index.html: " + parts.joined(separator: ", "))
    }
}

import ArgumentParser
import Foundation
import PreservesSchemaDocs

struct UpstreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upstream",
        abstract: "Take a new upstream revision of a schema directory, regenerate, and report what changed.",
        discussion: """
            Reads the schemas in --schemas and in the upstream directory, checks the upstream ones and \
            generates their Swift (nothing is written if that fails), then copies every upstream .prs file \
            over the corresponding file of --schemas, adding new ones and removing .prs files upstream no \
            longer has (other files, such as preserves-schemac.config.pr, are kept). It then rewrites the \
            generated Swift (--generated; by default Generated/<Name> beside Schemas/<Name>), optionally \
            the bundle and the HTML documentation (whose changes.html shows the report), and prints the \
            change report: modules and definitions added, removed and changed, what changed in the \
            generated Swift API, and which changes are wire-incompatible (lines marked !).
            """
    )

    @Argument(help: "The directory of upstream .prs files.")
    var upstream: String

    @Option(name: .long, help: "The schema directory to update, e.g. Schemas/SyndicateProtocols.")
    var schemas: String

    @Option(name: .long, help: "Where the generated Swift goes (default: Generated/<Name> beside Schemas/<Name>).")
    var generated: String?

    @Flag(name: .long, help: "Do not regenerate Swift.")
    var noSwift = false

    @Option(name: .long, help: "The compiler configuration (default: preserves-schemac.config.pr in --schemas, if present).")
    var config: String?

    @Option(name: .long, help: "Also write the compiled bundle (.prb) of the new schemas to this file.")
    var bundle: String?

    @Option(name: .long, help: "Also write the HTML documentation, with the change report as changes.html, into this directory.")
    var docs: String?

    @Option(name: .long, help: "Also write the change report (text) to this file.")
    var report: String?

    @Flag(name: .long, help: "Compare and print the report only; change no files.")
    var dryRun = false

    @Flag(name: .long, help: "Exit with status 2 when the update has wire-incompatible changes (after updating).")
    var failOnIncompatible = false

    func run() throws {
        var update = UpstreamUpdate(upstreamDirectory: upstream, schemasDirectory: schemas)
        update.configurationFile = config
        update.bundleFile = bundle
        update.documentationDirectory = docs
        update.dryRun = dryRun
        if !noSwift {
            guard let directory = generated ?? UpstreamUpdate.conventionalGeneratedDirectory(forSchemas: schemas) else {
                throw ValidationError("--schemas is not inside a Schemas/ directory: pass --generated DIR (or --no-swift)")
            }
            update.generatedDirectory = directory
        }
        let result: UpstreamUpdateResult
        do {
            result = try update.run()
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode.failure
        }
        if dryRun { print("Dry run: no files were changed.") }
        for line in result.actionLines { print(line) }
        if !result.actionLines.isEmpty || dryRun { print("") }
        print(result.report.text, terminator: "")
        if let report {
            try Data(result.report.text.utf8).write(to: URL(fileURLWithPath: report), options: .atomic)
        }
        if failOnIncompatible && result.report.hasWireIncompatibleChanges {
            throw ExitCode(2)
        }
    }
}

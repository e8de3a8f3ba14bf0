import ArgumentParser
import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema

@main
struct PreservesSchemac: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preserves-schemac",
        abstract: "Compile Preserves schemas (.prs) to Swift and to schema bundles.",
        discussion: "HTML documentation and the upstream-update workflow are in preserves-schemadoc.",
        version: ToolkitVersion.current,
        subcommands: [SwiftCommand.self, BundleCommand.self]
    )
}

/// Reports schema and configuration problems as compiler-style lines and fails.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try reportingSchemaErrors(body)
    } catch is ReportedSchemaFailure {
        throw ExitCode.failure
    }
}

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write the compiled bundle (.prb: canonical binary Preserves) of the schemas.",
        discussion: """
            Module paths come from file paths relative to each directory given: dir/a/b.prs is module [a b]. \
            A file given directly is named after its stem. The output is byte-identical to upstream's \
            preserves-schemac for the same sources. As upstream, references to modules outside the \
            schemas given are written as they are (whoever loads the bundle resolves them); name them \
            with --external to be told of any other unknown module.
            """
    )

    @Argument(help: "Schema directories (searched recursively for .prs files) or files.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Write the bundle to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Write one <schema …> instead of a <bundle …> (exactly one schema must be given).")
    var noBundle = false

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "A module defined outside the schemas given, such as TransportAddress or gatekeeper (repeatable).",
        discussion: "With none, every reference to a module outside the input is accepted, as upstream's compiler does; with some, a reference to any other unknown module is an error."))
    var external: [String] = []

    func run() throws {
        let modules = try reportingErrors { try SchemaSources.readModules(inputs) }
        let externals = Set(external.map { $0.split(separator: ".").map { Symbol(String($0)) } })
        try reportingErrors { try SchemaChecker(externalModules: externals, acceptsUnknownModules: externals.isEmpty).check(modules) }
        let bytes: [UInt8]
        if noBundle {
            guard modules.count == 1 else {
                throw ValidationError("--no-bundle needs exactly one schema, but \(modules.count) were found")
            }
            bytes = BundleWriter.schemaBytes(modules[0])
        } else {
            bytes = BundleWriter.bundleBytes(modules)
        }
        if let output {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}

struct SwiftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift",
        abstract: "Generate Swift types, parsers and serializers for the schemas.",
        discussion: """
            Writes one file per schema module (a/b.prs → a.b.swift) into the output directory, rewriting \
            only files whose contents change. Options override the configuration file.
            """
    )

    @Argument(help: "Schema directories (searched recursively for .prs files) or files.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The directory to write Swift files into.")
    var output: String

    @Option(name: .long, help: "A configuration file (Preserves text), e.g. {accessLevel: public}.")
    var config: String?

    @Option(name: .long, help: "Access level of generated declarations: internal, public or package.")
    var accessLevel: String?

    @Option(name: .long, help: "Type of embedded values: generic (a type parameter) or a Swift type name.")
    var embeddedType: String?

    @Option(name: .long, parsing: .singleValue, help: "Map a schema module to the Swift module holding its types: module=SwiftModule (repeatable).")
    var moduleMapping: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "Name the namespace enum of a schema module: module=Name (repeatable).")
    var namespace: [String] = []

    @Option(name: .customLong("import"), parsing: .singleValue, help: "An extra module to import in every file (repeatable).")
    var imports: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "Schemas referred to but generated elsewhere (directories or files; repeatable).")
    var include: [String] = []

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Schemas generated into a Swift module, all mapped there: DIR=SwiftModule (repeatable).",
        discussion: "Every module under DIR may be referred to and is mapped to SwiftModule, unless an input, --include or the configuration already provides or maps it. The build plugin passes the protocol schemas of SyndicateProtocols this way."))
    var includeModule: [String] = []

    @Flag(name: .long, help: "Generate no dataspace patterns, even where the dataspacePatterns schema module is visible.")
    var noDataspacePatterns = false

    @Flag(name: .long, help: "Delete .swift files in the output directory that no schema generates.")
    var deleteOrphans = false

    @Flag(name: .long, help: "Write nothing; fail if the output directory is not up to date.")
    var check = false

    @Flag(name: .shortAndLong, help: "Print what was written.")
    var verbose = false

    func configuration() throws -> SwiftGeneratorConfiguration {
        var configuration = SwiftGeneratorConfiguration()
        if let config {
            let text = try String(contentsOfFile: config, encoding: .utf8)
            configuration = try reportingErrors { try SwiftGeneratorConfiguration(configurationText: text, file: config) }
        }
        if let accessLevel {
            guard let level = SwiftGeneratorConfiguration.AccessLevel(rawValue: accessLevel) else {
                throw ValidationError("--access-level must be internal, public or package")
            }
            configuration.accessLevel = level
        }
        if let embeddedType { configuration.embeddedType = .init(embeddedType) }
        for (key, value) in try pairs(moduleMapping, option: "--module-mapping") { configuration.moduleMappings[key] = value }
        for (key, value) in try pairs(namespace, option: "--namespace") { configuration.namespaces[key] = value }
        configuration.additionalImports += imports
        if noDataspacePatterns { configuration.dataspacePatterns = false }
        return configuration
    }

    func pairs(_ items: [String], option: String) throws -> [(String, String)] {
        try items.map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("\(option) takes module=Name, not \(item)")
            }
            return (parts[0], parts[1])
        }
    }

    func run() throws {
        var configuration = try configuration()
        let modules = try reportingErrors { try SchemaSources.readModules(inputs) }
        var context = try reportingErrors { try configuration.contextModules(extraIncludes: include) }
        var known = Set(modules.map(\.path) + context.map(\.path))
        for (directory, swiftModule) in try pairs(includeModule, option: "--include-module") {
            for module in try reportingErrors({ try SchemaSources.readModules([directory]) }) where !known.contains(module.path) {
                known.insert(module.path)
                context.append(module)
                if configuration.moduleMappings[module.dottedPath] == nil {
                    configuration.moduleMappings[module.dottedPath] = swiftModule
                }
            }
        }
        let files = try reportingErrors { try SwiftGenerator(configuration: configuration).generate(modules, context: context) }
        let report = try OutputWriter(directory: output, deleteOrphans: deleteOrphans, checkOnly: check).write(files)
        if check {
            if !report.stale.isEmpty {
                FileHandle.standardError.write(Data("error: \(output) is stale against its schemas: \(report.stale.joined(separator: ", ")). Regenerate it.\n".utf8))
                throw ExitCode.failure
            }
            return
        }
        if verbose {
            for name in report.written { print("wrote \(name)") }
            for name in report.deleted { print("deleted \(name)") }
        }
        print(summary(modules: modules.count, written: report.written.count, deleted: report.deleted.count,
                      unchanged: report.unchanged.count, into: output))
    }
}

/// One line saying what a run wrote, e.g. `3 modules → out/: 1 file written, 2 unchanged`.
func summary(modules: Int, written: Int, deleted: Int, unchanged: Int, into directory: String) -> String {
    var parts = ["\(written) \(written == 1 ? "file" : "files") written", "\(unchanged) unchanged"]
    if deleted > 0 { parts.append("\(deleted) deleted") }
    return "\(modules) \(modules == 1 ? "module" : "modules") → \(directory): " + parts.joined(separator: ", ")
}

import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema

/// Follows a new upstream revision of a set of schemas in one step:
///
/// 1. reads the current schemas and the upstream ones, checks the upstream ones and generates
///    their Swift in memory (so a broken upstream changes nothing);
/// 2. compares the two revisions (``SchemaChangeReport``);
/// 3. copies every upstream `.prs` file over the corresponding file of the schema directory,
///    adding new ones and **removing `.prs` files upstream no longer has** (the report names
///    them); other files there, such as the compiler configuration, are kept;
/// 4. rewrites the generated Swift (deleting files of removed modules), and optionally the
///    compiled bundle and the HTML documentation, whose site then includes the report.
///
/// With ``dryRun`` only steps 1 and 2 run.
public struct UpstreamUpdate: Sendable {
    /// The directory of upstream `.prs` files (searched recursively).
    public var upstreamDirectory: String
    /// The schema directory to update, e.g. `Schemas/SyndicateProtocols`.
    public var schemasDirectory: String
    /// Where the generated Swift goes, e.g. `Generated/SyndicateProtocols`; `nil` to skip it.
    public var generatedDirectory: String?
    /// The compiler configuration; by default `preserves-schemac.config.pr` in the schema
    /// directory, when there is one.
    public var configurationFile: String?
    /// Where to write the compiled bundle (`.prb`), if anywhere.
    public var bundleFile: String?
    /// Where to write the HTML documentation, if anywhere.
    public var documentationDirectory: String?
    /// The documentation's title; by default the schema directory's name.
    public var documentationTitle: String?
    /// Compare and report only; write nothing.
    public var dryRun = false

    public init(upstreamDirectory: String, schemasDirectory: String) {
        self.upstreamDirectory = upstreamDirectory
        self.schemasDirectory = schemasDirectory
    }

    /// The conventional place of a schema directory's generated Swift: `Generated/<Name>` beside
    /// `Schemas/<Name>`; `nil` when the directory is not inside a directory called `Schemas`.
    public static func conventionalGeneratedDirectory(forSchemas schemas: String) -> String? {
        let url = URL(fileURLWithPath: schemas).standardizedFileURL
        let parent = url.deletingLastPathComponent()
        guard parent.lastPathComponent == "Schemas" else { return nil }
        return parent.deletingLastPathComponent().appendingPathComponent("Generated").appendingPathComponent(url.lastPathComponent).path
    }

    /// The configuration file used: the one given, or the schema directory's.
    var effectiveConfigurationFile: String? {
        if let configurationFile { return configurationFile }
        let conventional = (schemasDirectory as NSString).appendingPathComponent("preserves-schemac.config.pr")
        return FileManager.default.fileExists(atPath: conventional) ? conventional : nil
    }

    public func run() throws(UpstreamUpdateError) -> UpstreamUpdateResult {
        var configuration = SwiftGeneratorConfiguration()
        if let file = effectiveConfigurationFile {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw .io(path: file, message: "cannot read the configuration: \(error.localizedDescription)")
            }
            do {
                configuration = try SwiftGeneratorConfiguration(configurationText: text, file: file)
            } catch {
                throw .configuration(error)
            }
        }
        let context: [SchemaModule]
        let current: [SchemaModule]
        let upstream: [SchemaModule]
        do { context = try configuration.contextModules() } catch { throw .currentSchemas(error) }
        do { current = try SchemaSources.readModules([schemasDirectory]) } catch { throw .currentSchemas(error) }
        do { upstream = try SchemaSources.readModules([upstreamDirectory]) } catch { throw .upstreamSchemas(error) }
        guard !upstream.isEmpty else {
            throw .io(path: upstreamDirectory, message: "no .prs files found")
        }

        // Everything that can fail on the upstream schemas happens before anything is written.
        let swiftFiles: [GeneratedFile]
        do {
            swiftFiles = try SwiftGenerator(configuration: configuration).generate(upstream, context: context)
        } catch let errors as SchemaErrors {
            throw .upstreamSchemas(errors)
        } catch {
            throw .generation(String(describing: error))
        }
        let report: SchemaChangeReport
        do {
            report = try SchemaComparison(configuration: configuration).compare(
                old: current, new: upstream, context: context, oldSource: schemasDirectory, newSource: upstreamDirectory)
        } catch {
            throw .generation(error.description)
        }
        var result = UpstreamUpdateResult(report: report)
        guard !dryRun else { return result }

        result.schemaFiles = try copySchemaFiles()
        if let generatedDirectory {
            do {
                result.swift = try OutputWriter(directory: generatedDirectory, deleteOrphans: true).write(swiftFiles)
            } catch {
                throw .io(path: generatedDirectory, message: "cannot write the generated Swift: \(error.localizedDescription)")
            }
        }
        if let bundleFile {
            do {
                try Data(BundleWriter.bundleBytes(upstream)).write(to: URL(fileURLWithPath: bundleFile), options: .atomic)
            } catch {
                throw .io(path: bundleFile, message: "cannot write the bundle: \(error.localizedDescription)")
            }
            result.bundleWritten = true
        }
        if let documentationDirectory {
            let title = documentationTitle ?? URL(fileURLWithPath: schemasDirectory).standardizedFileURL.lastPathComponent
            do {
                let documentation = try SchemaDocumentationBuilder(title: title, configuration: configuration)
                    .build(upstream, context: context, changeReport: report)
                result.documentation = try DocumentationSiteWriter(directory: documentationDirectory).write(documentation)
            } catch let error as DocumentationError {
                throw .documentation(error)
            } catch {
                throw .generation(String(describing: error))
            }
        }
        return result
    }

    /// Copies the upstream `.prs` files into the schema directory and removes the ones
    /// upstream no longer has.
    func copySchemaFiles() throws(UpstreamUpdateError) -> UpstreamUpdateResult.FileChanges {
        let fm = FileManager.default
        var changes = UpstreamUpdateResult.FileChanges()
        let upstreamFiles: [(file: String, modulePath: Schema.ModulePath)]
        let currentFiles: [(file: String, modulePath: Schema.ModulePath)]
        do { upstreamFiles = try SchemaSources.discover(upstreamDirectory) } catch { throw .upstreamSchemas(SchemaErrors([error])) }
        do { currentFiles = try SchemaSources.discover(schemasDirectory) } catch { throw .currentSchemas(SchemaErrors([error])) }
        func relative(_ path: Schema.ModulePath) -> String { path.map(\.name).joined(separator: "/") + ".prs" }

        var copied = Set<String>()
        for (file, modulePath) in upstreamFiles {
            let name = relative(modulePath)
            copied.insert(name)
            let destination = (schemasDirectory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: file) else { throw .io(path: file, message: "cannot read") }
            let existing = fm.contents(atPath: destination)
            if existing == data {
                changes.unchanged.append(name)
                continue
            }
            do {
                try fm.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: destination), options: .atomic)
            } catch {
                throw .io(path: destination, message: "cannot write: \(error.localizedDescription)")
            }
            if existing == nil { changes.added.append(name) } else { changes.replaced.append(name) }
        }
        for (file, modulePath) in currentFiles where !copied.contains(relative(modulePath)) {
            do {
                try fm.removeItem(atPath: file)
            } catch {
                throw .io(path: file, message: "cannot remove: \(error.localizedDescription)")
            }
            changes.removed.append(relative(modulePath))
        }
        return changes
    }
}

/// What ``UpstreamUpdate/run()`` did.
public struct UpstreamUpdateResult: Sendable {
    /// Schema files of the schema directory, by path relative to it.
    public struct FileChanges: Sendable, Hashable {
        public var added: [String] = []
        public var replaced: [String] = []
        public var removed: [String] = []
        public var unchanged: [String] = []
    }

    public var report: SchemaChangeReport
    public var schemaFiles = FileChanges()
    /// What happened to the generated Swift, when it was regenerated.
    public var swift: OutputWriter.Report?
    public var bundleWritten = false
    /// What happened to the documentation, when it was written.
    public var documentation: DocumentationSiteWriter.Report?

    public init(report: SchemaChangeReport) {
        self.report = report
    }

    /// One line per kind of file change, for the command line.
    public var actionLines: [String] {
        var lines: [String] = []
        let f = schemaFiles
        if !f.added.isEmpty { lines.append("schemas added: \(f.added.joined(separator: ", "))") }
        if !f.replaced.isEmpty { lines.append("schemas replaced: \(f.replaced.joined(separator: ", "))") }
        if !f.removed.isEmpty { lines.append("schemas removed (upstream no longer has them): \(f.removed.joined(separator: ", "))") }
        if !f.unchanged.isEmpty { lines.append("schemas unchanged: \(f.unchanged.count)") }
        if let swift {
            lines.append("Swift: \(swift.written.count) file(s) written, \(swift.deleted.count) deleted, \(swift.unchanged.count) unchanged")
        }
        if bundleWritten { lines.append("bundle written") }
        if let documentation {
            lines.append("documentation: \(documentation.written.count) file(s) written, \(documentation.deleted.count) deleted, \(documentation.unchanged.count) unchanged")
        }
        return lines
    }
}

/// Why an upstream update stopped. Nothing is written when the upstream schemas are at fault.
public enum UpstreamUpdateError: Error, Sendable, CustomStringConvertible {
    case configuration(ConfigurationError)
    /// The schemas being replaced (or the included ones) could not be read.
    case currentSchemas(SchemaErrors)
    /// The upstream schemas could not be read or are inconsistent.
    case upstreamSchemas(SchemaErrors)
    /// The Swift generator rejected the upstream schemas.
    case generation(String)
    case documentation(DocumentationError)
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .configuration(let e): e.description
        case .currentSchemas(let e): e.description
        case .upstreamSchemas(let e): e.description
        case .generation(let message): message
        case .documentation(let e): e.description
        case .io(let path, let message): "\(path): error: \(message)"
        }
    }
}

import Foundation
import PackagePlugin

/// Generates Swift from the Preserves schemas (`.prs`) in a target, at build time.
///
/// Module paths come from each schema's path relative to the target directory. An optional
/// `preserves-schemac.config.pr` in the target sets the access level, embedded type, module
/// mappings and other options. Schemas may refer to each other, so the whole target is one
/// build command: editing any schema or the configuration regenerates all of them.
@main
struct PreservesSchemaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let root = target.directoryURL.standardizedFileURL.path
        let schemas = target.sourceFiles(withSuffix: ".prs").map { $0.url.standardizedFileURL.path }.sorted()
        guard !schemas.isEmpty else { return [] }
        let configurations = target.sourceFiles.filter { $0.url.lastPathComponent == configurationFileName }
        guard configurations.count <= 1 else {
            throw PluginError("target \(target.name) has \(configurations.count) \(configurationFileName) files; it may have at most one")
        }
        let outputDirectory = context.pluginWorkDirectoryURL.appending(path: "GeneratedSources")
        let outputs = schemas.map {
            outputDirectory.appending(path: generatedFileName(forSchemaAt: relativePath(of: $0, under: root)))
        }
        var arguments = ["swift", root, "--output", outputDirectory.path, "--delete-orphans"]
        var inputs = schemas.map { URL(fileURLWithPath: $0) }
        if let configuration = configurations.first {
            arguments += ["--config", configuration.url.path]
            inputs.append(configuration.url)
        }
        // The protocol schemas bundled with SyndicateProtocols may be referred to with no
        // configuration: they resolve to that module's generated types.
        if let protocols = bundledProtocolSchemas(context.package) {
            arguments += ["--include-module", "\(protocols.path)=\(protocolsProductName)"]
            inputs += schemaFiles(under: protocols).map { URL(fileURLWithPath: $0) }
        }
        // Dataspace patterns refer to SyndicateProtocols' DataspacePatterns: a target that
        // cannot import that module gets none.
        if !target.recursiveTargetDependencies.contains(where: { $0.name == protocolsProductName }) {
            arguments.append("--no-dataspace-patterns")
        }
        return [
            .buildCommand(
                displayName: "Generating Swift from \(schemas.count) Preserves schema(s) in \(target.name)",
                executable: try context.tool(named: "preserves-schemac").url,
                arguments: arguments,
                inputFiles: inputs,
                outputFiles: outputs
            )
        ]
    }
}

/// The product whose generated types the bundled protocol schemas are.
let protocolsProductName = "SyndicateProtocols"

/// `Schemas/SyndicateProtocols` of the package that provides the SyndicateProtocols product
/// (this toolkit), found among `package` and its dependencies, if it is there.
func bundledProtocolSchemas(_ package: Package) -> URL? {
    var seen: Set<String> = []
    var queue = [package]
    while let next = queue.popLast() {
        guard seen.insert(next.id).inserted else { continue }
        if next.products.contains(where: { $0.name == protocolsProductName }) {
            let directory = next.directoryURL.appending(path: "Schemas/\(protocolsProductName)")
            if FileManager.default.fileExists(atPath: directory.path) { return directory }
        }
        queue += next.dependencies.map(\.package)
    }
    return nil
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

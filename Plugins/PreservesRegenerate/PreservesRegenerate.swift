import Foundation
import PackagePlugin

/// Regenerates committed Swift from committed schemas: every `Schemas/<Name>/` directory of
/// the package is compiled into `Generated/<Name>/`, with `Schemas/<Name>/preserves-schemac.config.pr`
/// as its configuration when present. Files in `Generated/<Name>/` that no schema produces are
/// deleted.
///
///     swift package --allow-writing-to-package-directory preserves-regenerate [--check] [--verbose] [--docs DIR] [Name ...]
///
/// With `--check`, nothing is written and the command fails if any `Generated/` directory is
/// stale, which is how CI guards the committed code. With `--docs DIR` (relative to the package,
/// e.g. `.build/docs`), the HTML documentation of each `Schemas/<Name>/` is also written to
/// `DIR/<Name>/`.
@main
struct PreservesRegenerate: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) throws {
        var check = false
        var verbose = false
        var only: Set<String> = []
        var docs: String?
        var remaining = arguments.makeIterator()
        while let argument = remaining.next() {
            switch argument {
            case "--check": check = true
            case "--verbose", "-v": verbose = true
            case "--docs":
                guard let directory = remaining.next() else { throw PluginError("--docs needs a directory, e.g. --docs .build/docs") }
                docs = directory
            case "--help", "-h":
                print("usage: swift package --allow-writing-to-package-directory preserves-regenerate [--check] [--verbose] [--docs DIR] [Name ...]")
                return
            default:
                if argument.hasPrefix("-") { throw PluginError("unknown option \(argument)") }
                only.insert(argument)
            }
        }
        if check && docs != nil { throw PluginError("--docs writes files, so it cannot be combined with --check") }
        let package = context.package.directoryURL
        let schemasRoot = package.appending(path: "Schemas")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: schemasRoot.path)) ?? [])
            .filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: schemasRoot.appending(path: name).path, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }
            .filter { only.isEmpty || only.contains($0) }
            .sorted()
        guard !names.isEmpty else { throw PluginError("no schema directories found under \(schemasRoot.path)") }
        let tool = try context.tool(named: "preserves-schemac").url
        let docsTool = docs == nil ? nil : try context.tool(named: "preserves-schemadoc").url
        var failures: [String] = []
        for name in names {
            let schemas = schemasRoot.appending(path: name)
            let output = package.appending(path: "Generated").appending(path: name)
            var arguments = ["swift", schemas.path, "--output", output.path, "--delete-orphans"]
            let configuration = schemas.appending(path: configurationFileName)
            if FileManager.default.fileExists(atPath: configuration.path) { arguments += ["--config", configuration.path] }
            if check { arguments.append("--check") }
            if verbose { arguments.append("--verbose") }
            if try !run(tool, arguments) {
                failures.append(name)
            } else if !check {
                let count = schemaFiles(under: schemas).count
                print("Generated/\(name) is up to date with Schemas/\(name) (\(count) \(count == 1 ? "schema" : "schemas"))")
            }
            if let docs, let docsTool, !failures.contains(name) {
                let site = (docs.hasPrefix("/") ? URL(fileURLWithPath: docs) : package.appending(path: docs)).appending(path: name)
                var docsArguments = ["html", schemas.path, "--output", site.path, "--title", name]
                if FileManager.default.fileExists(atPath: configuration.path) { docsArguments += ["--config", configuration.path] }
                // The other sets are documented beside this one: references into them are links.
                for other in names where other != name {
                    for module in moduleNames(under: schemasRoot.appending(path: other)) {
                        docsArguments += ["--link-module", "\(module)=../\(other)/\(documentationPageName(module))"]
                    }
                }
                if try !run(docsTool, docsArguments) {
                    failures.append(name)
                } else {
                    print("Documentation of Schemas/\(name): \(site.appending(path: "index.html").path)")
                }
            }
        }
        if !failures.isEmpty {
            throw PluginError(check
                ? "Generated/ is stale for \(failures.joined(separator: ", ")): run `swift package --allow-writing-to-package-directory preserves-regenerate`"
                : "regenerating \(failures.joined(separator: ", ")) failed")
        }
        if check { print("Generated/ matches Schemas/ (\(names.joined(separator: ", ")))") }
    }
}

/// The dotted module names of the schemas under `directory` (`a/b.prs` is `a.b`).
func moduleNames(under directory: URL) -> [String] {
    let root = directory.standardizedFileURL.path + "/"
    return schemaFiles(under: directory).compactMap { path in
        guard path.hasPrefix(root) else { return nil }
        return String(path.dropFirst(root.count).dropLast(".prs".count)).replacingOccurrences(of: "/", with: ".")
    }
}

/// The page preserves-schemadoc writes for a module (moved aside when it would take the name
/// of the site's own index or change report).
func documentationPageName(_ module: String) -> String {
    ["index", "changes"].contains(module.lowercased()) ? "\(module)-module.html" : "\(module).html"
}

/// Runs preserves-schemac to completion; returns whether it succeeded.
func run(_ tool: URL, _ arguments: [String]) throws -> Bool {
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// Shared by both plugins (symlinked into each: plugins cannot depend on library targets).
import Foundation

/// The name of a target's optional compiler configuration file.
let configurationFileName = "preserves-schemac.config.pr"

/// The Swift file preserves-schemac writes for a schema at `relativePath` (from the schema
/// root): its module path joined with dots, as `SwiftGenerator.outputFileName` computes it.
func generatedFileName(forSchemaAt relativePath: String) -> String {
    var components = relativePath.split(separator: "/").map(String.init)
    if let last = components.last, last.hasSuffix(".prs") {
        components[components.count - 1] = String(last.dropLast(4))
    }
    return components.joined(separator: ".") + ".swift"
}

/// `path` relative to `root`, both absolute file paths.
func relativePath(of path: String, under root: String) -> String {
    let base = root.hasSuffix("/") ? root : root + "/"
    return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
}

/// Every `.prs` file under `directory`, as absolute paths, sorted.
func schemaFiles(under directory: URL) -> [String] {
    guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
    var found: [String] = []
    for case let url as URL in enumerator where url.pathExtension == "prs" {
        found.append(url.standardizedFileURL.path)
    }
    return found.sorted()
}

import Foundation
import Preserves

/// Finds `.prs` files and reads them as modules, naming each module after its path relative to
/// the directory it was found in (`a/b.prs` under a given directory is module `[a b]`), as
/// upstream's `preserves-schemac` does. A single file given directly is named after its stem.
public enum SchemaSources {
    /// The `.prs` files under `input` (a directory, searched recursively, or a file), each with
    /// its module path, in a stable order.
    public static func discover(_ input: String) throws(SchemaError) -> [(file: String, modulePath: Schema.ModulePath)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw SchemaError(.io, file: input, at: nil, "no such file or directory")
        }
        if !isDirectory.boolValue {
            let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            return [(input, [Symbol(stem)])]
        }
        // A symlinked directory (a target that is a link to another) is listed through its target.
        let root = URL(fileURLWithPath: input).resolvingSymlinksInPath().standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw SchemaError(.io, file: input, at: nil, "cannot list directory")
        }
        var found: [(String, Schema.ModulePath)] = []
        for case let url as URL in enumerator where url.pathExtension == "prs" {
            let relative = url.standardizedFileURL.path.dropFirst(root.path.count).drop { $0 == "/" }
            let components = relative.split(separator: "/").map(String.init)
            var path = components.map { Symbol($0) }
            path[path.count - 1] = Symbol(String(components.last!.dropLast(4)))
            let file = input.hasSuffix("/") ? input + relative : input + "/" + relative
            found.append((file, path))
        }
        return found.sorted { $0.0 < $1.0 }
    }

    /// Reads every schema under the inputs. Module paths must be unique across inputs.
    public static func readModules(_ inputs: [String]) throws(SchemaErrors) -> [SchemaModule] {
        var modules: [SchemaModule] = []
        var errors: [SchemaError] = []
        var seen: [Schema.ModulePath: String] = [:]
        for input in inputs {
            let files: [(file: String, modulePath: Schema.ModulePath)]
            do {
                files = try discover(input)
            } catch {
                errors.append(error)
                continue
            }
            for (file, path) in files {
                if let other = seen[path] {
                    errors.append(SchemaError(.duplicateDefinition, file: file, at: nil,
                        "module \(path.map(\.name).joined(separator: ".")) is also defined by \(other)"))
                    continue
                }
                seen[path] = file
                do {
                    let text = try String(contentsOfFile: file, encoding: .utf8)
                    modules.append(try SchemaReader().read(text, file: file, modulePath: path))
                } catch let error as SchemaError {
                    errors.append(error)
                } catch {
                    errors.append(SchemaError(.io, file: file, at: nil, "cannot read file: \(error.localizedDescription)"))
                }
            }
        }
        if !errors.isEmpty { throw SchemaErrors(errors) }
        return modules
    }
}

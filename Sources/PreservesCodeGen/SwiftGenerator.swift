import Foundation
import Preserves
import PreservesSchema

/// One generated source file.
public struct GeneratedFile: Sendable, Hashable {
    /// The file name, relative to the output directory.
    public var name: String
    public var contents: String
}

/// The Swift back end of the schema compiler: checked schema modules in, one Swift file per
/// module out. Output depends only on the inputs and the configuration.
public struct SwiftGenerator: Sendable {
    public var configuration: SwiftGeneratorConfiguration
    /// Named in the banner of every generated file.
    public var toolName = "preserves-schemac"

    public init(configuration: SwiftGeneratorConfiguration = SwiftGeneratorConfiguration()) {
        self.configuration = configuration
    }

    /// The file generated for a module: its dotted path plus `.swift` (`a/b.prs` → `a.b.swift`).
    /// The build plugin predicts outputs with this rule before any schema is read.
    public static func outputFileName(for path: Schema.ModulePath) -> String {
        path.map(\.name).joined(separator: ".") + ".swift"
    }

    /// Checks `modules` and generates their Swift. `context` modules may be referred to; they
    /// must be mapped to the Swift modules that hold their types (``SwiftGeneratorConfiguration/moduleMappings``).
    public func generate(_ modules: [SchemaModule], context: [SchemaModule] = []) throws -> [GeneratedFile] {
        let externalPaths = Set(configuration.moduleMappings.keys.map { $0.split(separator: ".").map { Symbol(String($0)) } })
        try SchemaChecker(externalModules: externalPaths).check(modules, context: context)
        let generated = Set(modules.map(\.path))
        let referenced = Set(modules.flatMap { m in m.references.map { $0.ref.module.isEmpty ? m.path : $0.ref.module } })
        for module in context where referenced.contains(module.path) && !generated.contains(module.path)
            && TypeModel.mapping(for: module.path, in: configuration) == nil
        {
            throw ConfigurationError(
                file: module.file,
                message: "schema module \(module.dottedPath) is referred to but not generated here: map it to the Swift module that holds its types (--module-mapping \(module.dottedPath)=ModuleName)")
        }
        let model = try TypeModel(modules: modules, context: context, configuration: configuration)
        return modules.sorted { $0.path.lexicographicallyPrecedes($1.path) }.map { module in
            let file = SwiftTranslator(model: model, module: model.modules[module.path]!, toolName: toolName).translate()
            return GeneratedFile(name: Self.outputFileName(for: module.path), contents: SwiftRenderer().render(file))
        }
    }
}

extension Schema.ModulePath {
    func lexicographicallyPrecedes(_ other: Self) -> Bool {
        map(\.name).lexicographicallyPrecedes(other.map(\.name))
    }
}

/// Writes generated files, touching only files whose bytes change.
public struct OutputWriter: Sendable {
    public struct Report: Sendable, Hashable {
        public var written: [String] = []
        public var unchanged: [String] = []
        public var deleted: [String] = []
        /// Files that differ from what would be generated (for `--check`).
        public var stale: [String] = []
    }

    public var directory: String
    /// Remove `.swift` files in the directory that no module generates.
    public var deleteOrphans: Bool
    /// Report differences without writing anything.
    public var checkOnly: Bool

    public init(directory: String, deleteOrphans: Bool = false, checkOnly: Bool = false) {
        self.directory = directory
        self.deleteOrphans = deleteOrphans
        self.checkOnly = checkOnly
    }

    public func write(_ files: [GeneratedFile]) throws -> Report {
        let fm = FileManager.default
        var report = Report()
        if !checkOnly { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            let data = Data(file.contents.utf8)
            if !Self.differs(data, fromFileAt: path) {
                report.unchanged.append(file.name)
                continue
            }
            report.stale.append(file.name)
            if !checkOnly {
                try Self.write(data, toPath: path)
                report.written.append(file.name)
            }
        }
        if deleteOrphans, let existing = try? fm.contentsOfDirectory(atPath: directory) {
            let expected = Set(files.map(\.name))
            for name in existing.sorted() where name.hasSuffix(".swift") && !expected.contains(name) {
                report.stale.append(name)
                if !checkOnly {
                    try fm.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
                    report.deleted.append(name)
                }
            }
        }
        return report
    }

    /// Whether the file at `path` is missing or holds other bytes than `data`.
    public static func differs(_ data: Data, fromFileAt path: String) -> Bool {
        FileManager.default.contents(atPath: path) != data
    }

    /// Writes `data` to `path` atomically, so readers never see half a file.
    public static func write(_ data: Data, toPath path: String) throws {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

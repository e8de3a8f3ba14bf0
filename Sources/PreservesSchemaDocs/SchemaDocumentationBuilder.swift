import Preserves
import PreservesCodeGen
import PreservesSchema

/// Builds the documentation model of a set of schema modules.
public struct SchemaDocumentationBuilder: Sendable {
    /// The site's title.
    public var title: String
    /// The Swift generator's configuration, which decides the Swift names shown.
    public var configuration: SwiftGeneratorConfiguration
    /// The width `.prs` source is laid out for.
    public var sourceWidth = 76
    /// Pages of modules documented elsewhere (``SchemaDocumentation/moduleLinks``).
    public var moduleLinks: [String: String] = [:]

    public init(title: String, configuration: SwiftGeneratorConfiguration = SwiftGeneratorConfiguration()) {
        self.title = title
        self.configuration = configuration
    }

    /// The documentation of `modules`. `context` modules may be referred to but are not
    /// documented (references to them link to ``moduleLinks``' pages, or are shown unlinked).
    public func build(
        _ modules: [SchemaModule], context: [SchemaModule] = [], changeReport: SchemaChangeReport? = nil
    ) throws(SwiftGenerationError) -> SchemaDocumentation {
        let api = try SwiftGenerator(configuration: configuration).swiftAPI(for: modules, context: context)
        let usedBy = Self.referrers(modules)
        let fileNames = Self.fileNames(modules.map(\.path))
        var pages: [ModuleDocumentation] = []
        for module in modules.sorted(by: { $0.dottedPath < $1.dottedPath }) {
            let printer = SchemaSourcePrinter(module: module.path, width: sourceWidth)
            let definitions = Self.sourceOrder(module).map { name in
                DefinitionDocumentation(
                    name: name, documentation: module.documentation[name] ?? [],
                    source: printer.definition(name, module.schema.definitions[name]!),
                    swift: api[module.path]?[name],
                    usedBy: usedBy[Schema.Ref(module: module.path, name: name)] ?? [])
            }
            let namespace = configuration.namespaces[module.dottedPath] ?? SwiftNames.namespaceName(module.path.map(\.name))
            pages.append(ModuleDocumentation(
                path: module.path, fileName: fileNames[module.path]!,
                sourceFileName: module.path.map(\.name).joined(separator: "/") + ".prs",
                swiftNamespace: namespace,
                embeddedType: module.schema.embeddedType == .false ? nil : printer.embeddedType(module.schema.embeddedType),
                definitions: definitions))
        }
        return SchemaDocumentation(title: title, modules: pages, changeReport: changeReport, moduleLinks: moduleLinks)
    }

    /// Definitions in the order the schema writes them (by name when positions are unknown).
    static func sourceOrder(_ module: SchemaModule) -> [Symbol] {
        module.schema.definitions.keys.sorted { a, b in
            switch (module.definitionPositions[a], module.definitionPositions[b]) {
            case let (x?, y?): x.offset < y.offset
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): a < b
            }
        }
    }

    /// For every definition, the definitions that refer to it.
    static func referrers(_ modules: [SchemaModule]) -> [Schema.Ref: [Schema.Ref]] {
        var result: [Schema.Ref: Set<Schema.Ref>] = [:]
        for module in modules {
            for site in module.references {
                let target = Schema.Ref(module: site.ref.module.isEmpty ? module.path : site.ref.module, name: site.ref.name)
                let source = Schema.Ref(module: module.path, name: site.definition)
                if target != source { result[target, default: []].insert(source) }
            }
        }
        return result.mapValues { refs in
            refs.sorted { Self.dotted($0) < Self.dotted($1) }
        }
    }

    /// `module.Name` of a reference whose module is resolved.
    static func dotted(_ ref: Schema.Ref) -> String {
        (ref.module.map(\.name) + [ref.name.name]).joined(separator: ".")
    }

    /// Page file names: the dotted module path plus `.html`, moved aside (`-module.html`) when
    /// that would take the name of one of the site's own pages.
    static func fileNames(_ paths: [Schema.ModulePath]) -> [Schema.ModulePath: String] {
        let reserved: Set<String> = [SchemaDocumentation.indexFileName, SchemaDocumentation.changesFileName]
        var result: [Schema.ModulePath: String] = [:]
        for path in paths {
            let dotted = path.map(\.name).joined(separator: ".")
            let name = dotted + ".html"
            result[path] = reserved.contains(name.lowercased()) ? dotted + "-module.html" : name
        }
        return result
    }
}

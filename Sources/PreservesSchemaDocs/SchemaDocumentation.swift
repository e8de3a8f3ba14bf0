import Preserves
import PreservesCodeGen
import PreservesSchema

/// Documentation for a set of schemas, ready to render: one entry per module, one per definition,
/// with each definition's comments, its `.prs` source with resolved references, and the Swift
/// API generated for it.
public struct SchemaDocumentation: Sendable, Hashable {
    /// The site's title, e.g. `SyndicateProtocols`.
    public var title: String
    /// The modules, sorted by path.
    public var modules: [ModuleDocumentation]
    /// Changes from a previous revision of the schemas, shown as a page of the site.
    public var changeReport: SchemaChangeReport?
    /// Pages documenting modules that are referred to but not part of this site (another
    /// package's schemas, or an external module), by dotted module name as references write it:
    /// `gatekeeper` → `../SyndicateProtocols/gatekeeper.html`. A reference `gatekeeper.Resolve`
    /// links to that page's `#Resolve`.
    public var moduleLinks: [String: String]

    /// The site's front page: the list of modules.
    public static let indexFileName = "index.html"
    /// The change report's page.
    public static let changesFileName = "changes.html"
    public static let stylesheetFileName = "style.css"

    public init(
        title: String, modules: [ModuleDocumentation], changeReport: SchemaChangeReport? = nil, moduleLinks: [String: String] = [:]
    ) {
        self.title = title
        self.modules = modules
        self.changeReport = changeReport
        self.moduleLinks = moduleLinks
    }

    /// The module at `path`, if it is documented here.
    public func module(_ path: Schema.ModulePath) -> ModuleDocumentation? {
        modules.first { $0.path == path }
    }

    /// Where the definition `ref` (with its module resolved) is documented: on this site, or on
    /// the page ``moduleLinks`` gives for a module the site does not document; `nil` if neither.
    public func link(to ref: Schema.Ref) -> DocumentationLink? {
        let anchor = DefinitionDocumentation.anchor(for: ref.name)
        guard let module = module(ref.module) else {
            return moduleLinks[ref.module.map(\.name).joined(separator: ".")].map { DocumentationLink(file: $0, anchor: anchor) }
        }
        guard module.definitions.contains(where: { $0.name == ref.name }) else { return nil }
        return DocumentationLink(file: module.fileName, anchor: anchor)
    }

    /// The page of the module at `path`.
    public func link(toModule path: Schema.ModulePath) -> DocumentationLink? {
        module(path).map { DocumentationLink(file: $0.fileName, anchor: nil) }
    }
}

/// A link within the site: a file and optionally an anchor in it.
public struct DocumentationLink: Sendable, Hashable {
    public var file: String
    public var anchor: String?

    public init(file: String, anchor: String?) {
        self.file = file
        self.anchor = anchor
    }

    /// `file#anchor`, as written in an `href`.
    public var href: String { anchor.map { "\(file)#\($0)" } ?? file }
}

/// One module's page.
public struct ModuleDocumentation: Sendable, Hashable {
    public var path: Schema.ModulePath
    /// The page's file name, e.g. `protocol.html`.
    public var fileName: String
    /// The schema file, relative to its schema directory, e.g. `protocol.prs`.
    public var sourceFileName: String
    /// The namespace enum of the generated Swift, e.g. `Protocol`.
    public var swiftNamespace: String
    /// The `embeddedType` clause's reference; `nil` when the module declares none.
    public var embeddedType: SourceText?
    /// The definitions, in the order they are written in the schema.
    public var definitions: [DefinitionDocumentation]

    public init(
        path: Schema.ModulePath, fileName: String, sourceFileName: String, swiftNamespace: String,
        embeddedType: SourceText?, definitions: [DefinitionDocumentation]
    ) {
        self.path = path
        self.fileName = fileName
        self.sourceFileName = sourceFileName
        self.swiftNamespace = swiftNamespace
        self.embeddedType = embeddedType
        self.definitions = definitions
    }

    /// The module path written with dots, e.g. `protocol`.
    public var dottedPath: String { path.map(\.name).joined(separator: ".") }
}

/// One definition's section of its module's page.
public struct DefinitionDocumentation: Sendable, Hashable {
    public var name: Symbol
    /// The `id` of the definition's section.
    public var anchor: String
    /// The comment lines written before the definition in the schema.
    public var documentation: [String]
    /// The definition in `.prs` syntax.
    public var source: SourceText
    /// The Swift API generated for it.
    public var swift: SwiftDefinitionAPI?
    /// The definitions that refer to this one (module paths resolved), sorted.
    public var usedBy: [Schema.Ref]

    public init(
        name: Symbol, documentation: [String], source: SourceText, swift: SwiftDefinitionAPI?, usedBy: [Schema.Ref]
    ) {
        self.name = name
        self.anchor = Self.anchor(for: name)
        self.documentation = documentation
        self.source = source
        self.swift = swift
        self.usedBy = usedBy
    }

    /// A definition's anchor: its name, which the schema reader restricts to letters, digits,
    /// `_` and `$` (all valid in an HTML `id` and a URL fragment).
    public static func anchor(for name: Symbol) -> String { name.name }
}

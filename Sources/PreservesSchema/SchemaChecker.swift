import Preserves

/// Checks a set of modules for problems the reader cannot see in one file: references to
/// unknown modules or definitions, duplicate binding names, and positions in compound patterns
/// that are neither named nor literal (which could be matched but never rebuilt).
public struct SchemaChecker: Sendable {
    /// Module paths that may be referred to although they are not among the checked modules
    /// (for example, modules compiled into another Swift module).
    public var externalModules: Set<Schema.ModulePath>
    /// Whether references to modules that are neither checked nor external are accepted (as
    /// upstream's compiler does when it writes a bundle: such modules are resolved by whoever
    /// loads the bundle). References to missing definitions of known modules are still errors.
    public var acceptsUnknownModules: Bool

    public init(externalModules: Set<Schema.ModulePath> = [], acceptsUnknownModules: Bool = false) {
        self.externalModules = externalModules
        self.acceptsUnknownModules = acceptsUnknownModules
    }

    public func check(_ modules: [SchemaModule], context: [SchemaModule] = []) throws(SchemaErrors) {
        var byPath: [Schema.ModulePath: SchemaModule] = [:]
        for module in context + modules { byPath[module.path] = module }
        var errors: [SchemaError] = []
        for module in modules {
            for site in module.references {
                let target = site.ref.module.isEmpty ? module.path : site.ref.module
                if let targetModule = byPath[target] {
                    if targetModule.schema.definitions[site.ref.name] == nil {
                        errors.append(SchemaError(.unknownReference, file: module.file, at: site.position,
                            "\(Self.describe(site.ref)) refers to no definition: module \(targetModule.dottedPath) has no \(site.ref.name.name)"))
                    }
                } else if !acceptsUnknownModules && !externalModules.contains(target) && !externalModules.contains(where: { target.starts(with: $0) }) {
                    errors.append(SchemaError(.unknownReference, file: module.file, at: site.position,
                        "\(Self.describe(site.ref)) refers to unknown module \(target.map(\.name).joined(separator: "."))"))
                }
            }
            for (name, definition) in module.schema.definitions.sorted(by: { $0.key < $1.key }) {
                let position = module.definitionPositions[name]
                for problem in Self.bindingProblems(definition) {
                    errors.append(SchemaError(problem.kind, file: module.file, at: position, "in \(name.name): \(problem.message)"))
                }
            }
        }
        if !errors.isEmpty { throw SchemaErrors(errors.sorted { ($0.file, $0.position?.offset ?? 0) < ($1.file, $1.position?.offset ?? 0) }) }
    }

    static func describe(_ ref: Schema.Ref) -> String {
        (ref.module.map(\.name) + [ref.name.name]).joined(separator: ".")
    }

    struct Problem {
        var kind: SchemaError.Kind
        var message: String
    }

    /// Duplicate bindings within one alternative (or across the parts of an `and`), and
    /// unnamed non-literal positions inside compound patterns.
    static func bindingProblems(_ definition: Schema.Definition) -> [Problem] {
        var problems: [Problem] = []
        func checkUnique(_ names: [Symbol], in what: String) {
            var seen = Set<Symbol>()
            for name in names where !seen.insert(name).inserted {
                problems.append(Problem(kind: .duplicateBinding, message: "the name \(name.name) is bound twice in \(what)"))
            }
        }
        switch definition {
        case .or(let a, let b, let rest):
            for alternative in [a, b] + rest {
                checkUnique(bindings(alternative.pattern, problems: &problems), in: "alternative \"\(alternative.variantLabel)\"")
            }
        case .and(let a, let b, let rest):
            checkUnique(([a, b] + rest).flatMap { bindings($0, problems: &problems) }, in: "the intersection")
        case .pattern(let p):
            checkUnique(bindings(p, problems: &problems), in: "the pattern")
        }
        return problems
    }

    static func bindings(_ p: Schema.NamedPattern, problems: inout [Problem]) -> [Symbol] {
        switch p {
        case .named(let b): [b.name]
        case .anonymous(.simplePattern(let s)):
            // A top-level anonymous part of an `and` is matched but contributes no field.
            if case .lit = s { [] } else { anonymousPositionProblem(s, problems: &problems) }
        case .anonymous(.compoundPattern(let c)): bindings(c, problems: &problems)
        }
    }

    static func anonymousPositionProblem(_ s: Schema.SimplePattern, problems: inout [Problem]) -> [Symbol] {
        problems.append(Problem(kind: .invalidPattern,
            message: "a position in a compound pattern must be named (@name) or be a literal"))
        return []
    }

    static func bindings(_ p: Schema.Pattern, problems: inout [Problem]) -> [Symbol] {
        switch p {
        case .simplePattern: []
        case .compoundPattern(let c): bindings(c, problems: &problems)
        }
    }

    static func bindings(_ c: Schema.CompoundPattern, problems: inout [Problem]) -> [Symbol] {
        switch c {
        case .rec(let label, let fields):
            return bindings(label, problems: &problems) + bindings(fields, problems: &problems)
        case .tuple(let items):
            return items.flatMap { bindings($0, problems: &problems) }
        case .tuplePrefix(let fixed, let variable):
            return fixed.flatMap { bindings($0, problems: &problems) } + bindings(variable, problems: &problems)
        case .dict(let entries):
            return entries.sorted { $0.key < $1.key }.flatMap { bindings($0.value, problems: &problems) }
        }
    }

    static func bindings(_ p: Schema.NamedSimplePattern, problems: inout [Problem]) -> [Symbol] {
        switch p {
        case .named(let b): [b.name]
        case .anonymous(let s):
            if case .lit = s { [] } else { anonymousPositionProblem(s, problems: &problems) }
        }
    }
}

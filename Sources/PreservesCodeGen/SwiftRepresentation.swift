/// The structured representation of the Swift the generators write: declarations, signatures,
/// types, statements and expressions. Generators build these values; ``SwiftRenderer`` alone
/// turns them into text (layout and indentation follow the structure).

/// One generated file.
struct SwiftFile: Hashable, Sendable {
    var headerComments: [String]
    var imports: [String]
    var declarations: [Declaration]
}

// MARK: - Types

/// A Swift type as generated code spells it.
indirect enum TypeUsage: Hashable, Sendable {
    /// A possibly qualified name (`Preserves.Value`), with generic arguments on its last part.
    case named([String], generics: [TypeUsage])
    /// `[Element]`
    case array(TypeUsage)
    /// `[Key: Value]`
    case dictionary(key: TypeUsage, value: TypeUsage)
    /// `A & B`
    case composition([TypeUsage])
    /// `T.Type`
    case metatype(TypeUsage)
    /// `@Sendable (A) throws(E) -> R`
    case function(FunctionType)

    /// A type from its dotted name: `.named("Preserves.Value", [e])`.
    static func named(_ dotted: String, _ generics: [TypeUsage] = []) -> TypeUsage {
        .named(dotted.split(separator: ".").map(String.init), generics: generics)
    }

    /// The same type with generic arguments.
    func specialized(_ generics: [TypeUsage]) -> TypeUsage {
        guard case .named(let path, let existing) = self, existing.isEmpty else { return self }
        return .named(path, generics: generics)
    }
}

/// The type of a closure or function value.
struct FunctionType: Hashable, Sendable {
    /// Attributes such as `@escaping` and `@Sendable`, written before the parameters.
    var attributes: [String] = []
    var parameters: [TypeUsage]
    /// The error type of `throws(E)`; `nil` for a function that does not throw.
    var throwing: TypeUsage?
    var result: TypeUsage
}

// MARK: - Expressions

indirect enum Expression: Hashable, Sendable {
    /// A name (already escaped where it is a keyword).
    case identifier(String)
    /// A type used as an expression (`Preserves.Value<E>` in `Preserves.Value<E>.string(s)`).
    case type(TypeUsage)
    case literal(Literal)
    /// `base.name`, or `.name` with no base (an implicit member).
    case member(Expression?, String)
    /// `function(arguments)`
    case call(Expression, [Argument])
    case closure(Closure)
    /// `try e` or `try? e`
    case tryExpression(Expression, optional: Bool)
    /// `a op b`
    case binary(Expression, String, Expression)
    /// `e!`
    case forceUnwrap(Expression)
    /// `base[index]`
    case subscripted(Expression, Expression)
    /// `(e)`
    case parenthesized(Expression)
    /// `[a, b]`
    case array([Expression])
    /// `[k: v]` (`[:]` when empty)
    case dictionary([DictionaryEntry])
    /// `(a, b)`
    case tuple([Expression])
    /// `\.name`
    case keyPath(String)

    static func name(_ s: String) -> Expression { .identifier(s) }
    static func string(_ s: String) -> Expression { .literal(.string(s)) }
    static func int(_ i: Int) -> Expression { .literal(.number(String(i))) }
    static func tryCall(_ e: Expression) -> Expression { .tryExpression(e, optional: false) }

    func dot(_ member: String) -> Expression { .member(self, member) }
    func call(_ arguments: Argument...) -> Expression { .call(self, arguments) }
    func call(_ arguments: [Argument]) -> Expression { .call(self, arguments) }
    var tried: Expression { .tryExpression(self, optional: false) }
}

enum Literal: Hashable, Sendable {
    case string(String)
    /// A number as written (`42`, `0x1f`).
    case number(String)
    case bool(Bool)
    case `nil`
}

struct Argument: Hashable, Sendable {
    var label: String?
    var value: Expression

    static func unlabeled(_ value: Expression) -> Argument { Argument(label: nil, value: value) }
    static func labeled(_ label: String, _ value: Expression) -> Argument { Argument(label: label, value: value) }
}

struct DictionaryEntry: Hashable, Sendable {
    var key: Expression
    var value: Expression
}

struct Closure: Hashable, Sendable {
    var parameters: [ClosureParameter]
    /// The error type of `throws(E)`, when the signature says it.
    var throwing: TypeUsage?
    var result: TypeUsage?
    var body: [Statement]

    init(parameters: [ClosureParameter] = [], throwing: TypeUsage? = nil, result: TypeUsage? = nil, body: [Statement]) {
        self.parameters = parameters
        self.throwing = throwing
        self.result = result
        self.body = body
    }
}

struct ClosureParameter: Hashable, Sendable {
    var name: String
    var type: TypeUsage?
}

// MARK: - Statements

indirect enum Statement: Hashable, Sendable {
    case expression(Expression)
    /// `let name: Type = value` (or `var`).
    case declare(DeclarationKind, BindingPattern, type: TypeUsage?, value: Expression)
    /// `target = value`
    case assign(Expression, Expression)
    case returnStatement(Expression?)
    case throwStatement(Expression)
    case guardStatement([Condition], else: [Statement])
    case ifStatement([Condition], then: [Statement])
    case switchStatement(Expression, [SwitchCase])
    /// `do { body } catch { handler }`
    case doCatch([Statement], catch: [Statement])
    /// `for name in sequence { body }`
    case forIn(String, Expression, [Statement])
    /// `while conditions { body }`
    case whileLoop([Condition], [Statement])
}

enum DeclarationKind: String, Hashable { case `let`, `var` }

/// What a declaration binds: a name, a tuple of names, or nothing (`_ = e`).
enum BindingPattern: Hashable, Sendable {
    case name(String)
    case tuple([String])
    case discard
}

enum Condition: Hashable, Sendable {
    case expression(Expression)
    /// `let name = value`
    case optionalBinding(String, Expression)
    /// `case pattern = value`
    case matches(CasePattern, Expression)
}

struct SwitchCase: Hashable, Sendable {
    /// The patterns of the clause; none for `default`.
    var patterns: [CasePattern]
    var whereClause: Expression? = nil
    var body: [Statement]
}

indirect enum CasePattern: Hashable, Sendable {
    /// `.name`, or `.name(let a, let b)` when there are bindings.
    case enumCase(String, bindings: [String]?)
    case tuple([CasePattern])
    /// `_`
    case wildcard
    /// A literal, written as given (e.g. `"A"`).
    case literal(String)
}

// MARK: - Declarations

indirect enum Declaration: Hashable, Sendable {
    /// `// MARK: - title`
    case mark(String)
    case extensionBlock(ExtensionDescription)
    case type(TypeDescription)
    case typeAlias(TypeAliasDescription)
    case function(FunctionDescription)
    case variable(VariableDescription)
    case enumCase(EnumCaseDescription)
}

struct GenericParameter: Hashable, Sendable {
    var name: String
    var constraint: TypeUsage?
}

struct ExtensionDescription: Hashable, Sendable {
    var extendedType: TypeUsage
    /// The `where` clause of a constrained extension.
    var requirements: [GenericRequirement] = []
    var members: [Declaration]
}

enum GenericRequirement: Hashable, Sendable {
    /// `T: P`
    case conformance(TypeUsage, TypeUsage)
    /// `T == U`
    case sameType(TypeUsage, TypeUsage)
}

struct TypeDescription: Hashable, Sendable {
    enum Kind: String, Hashable { case `struct`, `enum` }
    var documentation: [String]
    var access: String
    var modifiers: [String] = []
    var kind: Kind
    var name: String
    var generics: [GenericParameter] = []
    var conformances: [TypeUsage] = []
    var members: [Declaration] = []
}

struct TypeAliasDescription: Hashable, Sendable {
    var documentation: [String]
    var access: String
    var name: String
    var generics: [GenericParameter] = []
    var target: TypeUsage
}

struct FunctionDescription: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case function(String)
        case initializer
        /// `var name: Result { body }`
        case computedProperty(String)
    }

    var documentation: [String] = []
    /// Attributes written before the access level, such as `@inlinable`.
    var attributes: [String] = []
    var access: String
    /// `static`, `mutating`, …
    var modifiers: [String] = []
    var kind: Kind
    var generics: [GenericParameter] = []
    var parameters: [Parameter] = []
    /// The error type of `throws(E)`; `nil` for a function that does not throw.
    var throwing: TypeUsage?
    var result: TypeUsage?
    var body: [Statement]
}

struct Parameter: Hashable, Sendable {
    /// The argument label (`_` for none); `nil` when the label is the name.
    var label: String?
    var name: String
    var type: TypeUsage
    var defaultValue: Expression?
    /// `name: inout Type`
    var isInout: Bool

    init(label: String? = nil, name: String, type: TypeUsage, defaultValue: Expression? = nil, isInout: Bool = false) {
        self.label = label
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isInout = isInout
    }
}

struct VariableDescription: Hashable, Sendable {
    var documentation: [String] = []
    var access: String
    var modifiers: [String] = []
    var kind: DeclarationKind
    var name: String
    var type: TypeUsage
}

struct EnumCaseDescription: Hashable, Sendable {
    var documentation: [String] = []
    var isIndirect: Bool = false
    var name: String
    /// Associated values with their labels; `nil` for a case without payload.
    var associatedValues: [(label: String?, type: TypeUsage)]?

    static func == (a: Self, b: Self) -> Bool {
        a.documentation == b.documentation && a.isIndirect == b.isIndirect && a.name == b.name
            && a.associatedValues?.map(\.label) == b.associatedValues?.map(\.label)
            && a.associatedValues?.map(\.type) == b.associatedValues?.map(\.type)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(associatedValues?.map(\.type))
    }
}

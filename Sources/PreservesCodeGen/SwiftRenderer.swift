/// Renders the Swift representation as text: four-space indentation chosen by structure (a
/// block's contents one level in, `case` clauses level with their `switch`), one blank line
/// between members that have bodies, deterministic output. The only place that writes Swift.
struct SwiftRenderer {
    func render(_ file: SwiftFile) -> String {
        var w = CodeWriter()
        for comment in file.headerComments { w.line("// " + comment) }
        w.blank()
        for module in file.imports { w.line("import \(module)") }
        for declaration in file.declarations {
            w.blank()
            render(declaration, &w)
        }
        return w.text
    }

    // MARK: Types

    func type(_ t: TypeUsage) -> String {
        switch t {
        case .named(let path, let generics):
            return path.joined(separator: ".") + genericArguments(generics)
        case .array(let element):
            return "[\(type(element))]"
        case .dictionary(let key, let value):
            return "[\(type(key)): \(type(value))]"
        case .composition(let parts):
            return parts.map(type).joined(separator: " & ")
        case .metatype(let base):
            return "\(type(base)).Type"
        case .function(let f):
            let attributes = f.attributes.map { $0 + " " }.joined()
            return "\(attributes)(\(f.parameters.map(type).joined(separator: ", ")))\(throwsClause(f.throwing)) -> \(type(f.result))"
        }
    }

    func genericArguments(_ generics: [TypeUsage]) -> String {
        generics.isEmpty ? "" : "<" + generics.map(type).joined(separator: ", ") + ">"
    }

    func genericParameters(_ generics: [GenericParameter]) -> String {
        guard !generics.isEmpty else { return "" }
        return "<" + generics.map { g in g.constraint.map { "\(g.name): \(type($0))" } ?? g.name }.joined(separator: ", ") + ">"
    }

    func throwsClause(_ error: TypeUsage?) -> String {
        error.map { " throws(\(type($0)))" } ?? ""
    }

    // MARK: Expressions

    func render(_ e: Expression, _ w: inout CodeWriter) {
        switch e {
        case .identifier(let name):
            w.write(name)
        case .type(let t):
            w.write(type(t))
        case .literal(let literal):
            switch literal {
            case .string(let s): w.write(LiteralCode.quoted(s))
            case .number(let n): w.write(n)
            case .bool(let b): w.write(b ? "true" : "false")
            case .nil: w.write("nil")
            }
        case .member(let base, let name):
            if let base { render(base, &w) }
            w.write("." + name)
        case .call(let function, let arguments):
            render(function, &w)
            w.write("(")
            for (i, argument) in arguments.enumerated() {
                if i > 0 { w.write(", ") }
                if let label = argument.label { w.write(label + ": ") }
                render(argument.value, &w)
            }
            w.write(")")
        case .closure(let closure):
            render(closure, &w)
        case .tryExpression(let inner, let optional):
            w.write(optional ? "try? " : "try ")
            render(inner, &w)
        case .binary(let a, let op, let b):
            render(a, &w)
            w.write(" \(op) ")
            render(b, &w)
        case .forceUnwrap(let inner):
            render(inner, &w)
            w.write("!")
        case .subscripted(let base, let index):
            render(base, &w)
            w.write("[")
            render(index, &w)
            w.write("]")
        case .parenthesized(let inner):
            w.write("(")
            render(inner, &w)
            w.write(")")
        case .array(let items):
            w.write("[")
            list(items, &w)
            w.write("]")
        case .dictionary(let entries):
            if entries.isEmpty {
                w.write("[:]")
                return
            }
            w.write("[")
            for (i, entry) in entries.enumerated() {
                if i > 0 { w.write(", ") }
                render(entry.key, &w)
                w.write(": ")
                render(entry.value, &w)
            }
            w.write("]")
        case .tuple(let items):
            w.write("(")
            list(items, &w)
            w.write(")")
        case .keyPath(let name):
            w.write("\\." + name)
        }
    }

    func list(_ items: [Expression], _ w: inout CodeWriter) {
        for (i, item) in items.enumerated() {
            if i > 0 { w.write(", ") }
            render(item, &w)
        }
    }

    /// A closure: on one line when its body is one expression, otherwise a block.
    func render(_ c: Closure, _ w: inout CodeWriter) {
        var header = ""
        if c.parameters.contains(where: { $0.type != nil }) || c.throwing != nil || c.result != nil {
            let parameters = c.parameters.map { p in p.type.map { "\(p.name): \(type($0))" } ?? p.name }
            header = "(" + parameters.joined(separator: ", ") + ")" + throwsClause(c.throwing) + (c.result.map { " -> \(type($0))" } ?? "")
        } else {
            header = c.parameters.map(\.name).joined(separator: ", ")
        }
        let opening = header.isEmpty ? "{" : "{ \(header) in"
        if c.body.isEmpty {
            w.write(opening + " }")
        } else if c.body.count == 1, case .expression(let e) = c.body[0] {
            w.write(opening + " ")
            render(e, &w)
            w.write(" }")
        } else {
            w.write(opening)
            w.indented { w in statements(c.body, &w) }
            w.startLine()
            w.write("}")
        }
    }

    // MARK: Statements

    func statements(_ body: [Statement], _ w: inout CodeWriter) {
        for s in body {
            w.startLine()
            render(s, &w)
        }
    }

    func block(_ body: [Statement], _ w: inout CodeWriter) {
        w.write(" {")
        w.indented { w in statements(body, &w) }
        w.startLine()
        w.write("}")
    }

    func render(_ s: Statement, _ w: inout CodeWriter) {
        switch s {
        case .expression(let e):
            render(e, &w)
        case .declare(let kind, let pattern, let t, let value):
            switch pattern {
            case .name(let name): w.write("\(kind.rawValue) \(name)")
            case .tuple(let names): w.write("\(kind.rawValue) (\(names.joined(separator: ", ")))")
            case .discard: w.write("_")
            }
            if let t { w.write(": " + type(t)) }
            w.write(" = ")
            render(value, &w)
        case .assign(let target, let value):
            render(target, &w)
            w.write(" = ")
            render(value, &w)
        case .returnStatement(let value):
            w.write("return")
            if let value {
                w.write(" ")
                render(value, &w)
            }
        case .throwStatement(let error):
            w.write("throw ")
            render(error, &w)
        case .guardStatement(let conditions, let otherwise):
            w.write("guard ")
            render(conditions, &w)
            w.write(" else")
            block(otherwise, &w)
        case .ifStatement(let conditions, let body):
            w.write("if ")
            render(conditions, &w)
            block(body, &w)
        case .switchStatement(let subject, let cases):
            w.write("switch ")
            render(subject, &w)
            w.write(" {")
            for c in cases {
                w.startLine()
                if c.patterns.isEmpty {
                    w.write("default:")
                } else {
                    w.write("case " + c.patterns.map(pattern).joined(separator: ", "))
                    if let condition = c.whereClause {
                        w.write(" where ")
                        render(condition, &w)
                    }
                    w.write(":")
                }
                w.indented { w in statements(c.body, &w) }
            }
            w.startLine()
            w.write("}")
        case .doCatch(let body, let handler):
            w.write("do")
            block(body, &w)
            w.write(" catch")
            block(handler, &w)
        case .forIn(let name, let sequence, let body):
            w.write("for \(name) in ")
            render(sequence, &w)
            block(body, &w)
        case .whileLoop(let conditions, let body):
            w.write("while ")
            render(conditions, &w)
            block(body, &w)
        }
    }

    func render(_ conditions: [Condition], _ w: inout CodeWriter) {
        for (i, condition) in conditions.enumerated() {
            if i > 0 { w.write(", ") }
            switch condition {
            case .expression(let e):
                render(e, &w)
            case .optionalBinding(let name, let e):
                w.write("let \(name) = ")
                render(e, &w)
            case .matches(let p, let e):
                w.write("case \(pattern(p)) = ")
                render(e, &w)
            }
        }
    }

    func pattern(_ p: CasePattern) -> String {
        switch p {
        case .enumCase(let name, let bindings):
            guard let bindings else { return "." + name }
            return ".\(name)(" + bindings.map { "let " + $0 }.joined(separator: ", ") + ")"
        case .tuple(let items):
            return "(" + items.map(pattern).joined(separator: ", ") + ")"
        case .wildcard:
            return "_"
        case .literal(let text):
            return text
        }
    }

    // MARK: Declarations

    func documentation(_ lines: [String], _ w: inout CodeWriter) {
        for line in lines { w.line(line.isEmpty ? "///" : "/// \(line)") }
    }

    func render(_ declaration: Declaration, _ w: inout CodeWriter) {
        switch declaration {
        case .mark(let title):
            w.line("// MARK: - \(title)")
        case .extensionBlock(let e):
            w.startLine()
            let requirements = e.requirements.map { r in
                switch r {
                case .conformance(let t, let p): "\(type(t)): \(type(p))"
                case .sameType(let a, let b): "\(type(a)) == \(type(b))"
                }
            }
            let whereClause = requirements.isEmpty ? "" : " where " + requirements.joined(separator: ", ")
            w.write("extension \(type(e.extendedType))\(whereClause) {")
            w.indented { w in members(e.members, &w) }
            w.line("}")
        case .type(let t):
            documentation(t.documentation, &w)
            let modifiers = ([t.access] + t.modifiers).map { $0 + " " }.joined()
            let conformances = t.conformances.isEmpty ? "" : ": " + t.conformances.map(type).joined(separator: ", ")
            let header = "\(modifiers)\(t.kind.rawValue) \(t.name)\(genericParameters(t.generics))\(conformances)"
            if t.members.isEmpty {
                w.line(header + " {}")
                return
            }
            w.line(header + " {")
            w.indented { w in members(t.members, &w) }
            w.line("}")
        case .typeAlias(let a):
            documentation(a.documentation, &w)
            w.line("\(a.access) typealias \(a.name)\(genericParameters(a.generics)) = \(type(a.target))")
        case .function(let f):
            documentation(f.documentation, &w)
            w.startLine()
            w.write(signature(f))
            block(f.body, &w)
        case .variable(let v):
            documentation(v.documentation, &w)
            let modifiers = ([v.access] + v.modifiers).map { $0 + " " }.joined()
            w.line("\(modifiers)\(v.kind.rawValue) \(v.name): \(type(v.type))")
        case .enumCase(let c):
            documentation(c.documentation, &w)
            let payload = c.associatedValues.map { values in
                "(" + values.map { v in v.label.map { "\($0): \(type(v.type))" } ?? type(v.type) }.joined(separator: ", ") + ")"
            } ?? ""
            w.line("\(c.isIndirect ? "indirect " : "")case \(c.name)\(payload)")
        }
    }

    func signature(_ f: FunctionDescription) -> String {
        let modifiers = (f.attributes + [f.access] + f.modifiers).map { $0 + " " }.joined()
        let parameters = "(" + f.parameters.map(parameter).joined(separator: ", ") + ")"
        let result = f.result.map { " -> \(type($0))" } ?? ""
        switch f.kind {
        case .function(let name):
            return "\(modifiers)func \(name)\(genericParameters(f.generics))\(parameters)\(throwsClause(f.throwing))\(result)"
        case .initializer:
            return "\(modifiers)init\(genericParameters(f.generics))\(parameters)\(throwsClause(f.throwing))"
        case .computedProperty(let name):
            return "\(modifiers)var \(name): \(f.result.map(type) ?? "Swift.Void")"
        }
    }

    func parameter(_ p: Parameter) -> String {
        var w = CodeWriter()
        w.write((p.label.map { $0 + " " } ?? "") + "\(p.name): \(p.isInout ? "inout " : "")\(type(p.type))")
        if let value = p.defaultValue {
            w.write(" = ")
            render(value, &w)
        }
        return w.text.trimmingSuffix("\n")
    }

    /// Members of a type or extension: a blank line between them, except between consecutive
    /// undocumented stored properties and enum cases.
    func members(_ members: [Declaration], _ w: inout CodeWriter) {
        var previousWasLine = false
        for (i, member) in members.enumerated() {
            let isLine: Bool =
                switch member {
                case .variable(let v): v.documentation.isEmpty
                case .enumCase(let c): c.documentation.isEmpty
                default: false
                }
            if i > 0 && !(isLine && previousWasLine) { w.blank() }
            render(member, &w)
            previousWasLine = isLine
        }
    }
}

/// Lines of text under construction, with the current indentation.
struct CodeWriter {
    private var lines: [String] = []
    private var current: String?
    private var level = 0

    /// Appends to the current line (starting one at the current indentation if needed).
    mutating func write(_ text: String) {
        if current == nil { current = String(repeating: "    ", count: level) }
        current! += text
    }

    /// Ends the current line, if one is started.
    mutating func startLine() {
        if let line = current { lines.append(line) }
        current = nil
    }

    /// A whole line.
    mutating func line(_ text: String) {
        startLine()
        write(text)
        startLine()
    }

    mutating func blank() {
        startLine()
        lines.append("")
    }

    mutating func indented(_ body: (inout CodeWriter) -> Void) {
        startLine()
        level += 1
        body(&self)
        startLine()
        level -= 1
    }

    var text: String {
        var all = lines
        if let current { all.append(current) }
        return all.joined(separator: "\n") + "\n"
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

import Foundation
import Preserves
import Syndicate

/// Turns script text into ``ScriptInstruction``s, checking as it goes that every variable is
/// bound: by the script itself (`let`, captures in `?`, `??` and `=~` patterns, visible in
/// what follows them and in their bodies), by the environment the script is run with (names
/// collected in ``freeVariables``), or by `predefined` names if the caller declared them.
struct ScriptParser {
    /// The script's name in error messages.
    let file: String
    /// If set, the only names the environment may supply; other free names are parse errors.
    let predefined: Set<String>?
    /// Each distinct name the script uses without binding it, at its first use, in order.
    private(set) var freeVariables: [ScriptVariable] = []
    /// How deeply instructions and expressions are nested at the moment.
    private var depth = 0
    /// The deepest nesting accepted: instruction words are a flat token stream, so without a
    /// bound `?- ?- ?- …` could recurse until the stack overflows.
    static let maxDepth = 200

    /// What an instruction is parsed under: names bound so far and the current target
    /// (`nil` for the default, `$config`).
    struct Context {
        var scope: Set<String> = []
        var target: ScriptVariable?
    }

    init(file: String, predefined: Set<String>?) {
        self.file = file
        self.predefined = predefined
    }

    /// Reads the text as a sequence of Preserves values, with positions.
    func read(_ text: String) throws(ConfigScriptError) -> [Value<Never>] {
        let reader = TextReader<Never>(limits: .default, keepAnnotations: false, recordPositions: true)
        do {
            return try reader.decodeAll(text)
        } catch {
            throw ConfigScriptError(file: file, line: error.line, column: error.column, message: "syntax error: \(error.message)")
        }
    }

    /// Parses a whole script: its values form one top-level block.
    mutating func parseScript(_ text: String) throws(ConfigScriptError) -> ScriptInstruction {
        var tokens = ScriptTokens(try read(text))
        return try parseBlock(&tokens, Context())
    }

    // MARK: Instructions

    /// Parses instructions until `tokens` runs out, as one sequence (a scope: what a `let` in it
    /// binds is visible to the rest of it only). `$v =~ P I` takes the rest of the block as its
    /// "otherwise" branch.
    mutating func parseBlock(_ tokens: inout ScriptTokens, _ context: Context) throws(ConfigScriptError) -> ScriptInstruction {
        var context = context
        var instructions: [ScriptInstruction] = []
        while let head = tokens.peek() {
            if case .reference(let name) = ScriptSymbol(head), tokens.peek(1)?.isSymbol("=~") == true {
                _ = tokens.next()
                let op = tokens.next()!
                let variable = reference(name, at: position(head), context)
                let patternValue = try expect(&tokens, "a pattern after =~", after: op)
                let pattern = try parsePattern(patternValue, context)
                var thenContext = context
                thenContext.scope.formUnion(pattern.binderNames)
                guard !tokens.atEnd else { throw error(at: position(op), "expected an instruction after the =~ pattern") }
                let then = try parseInstruction(&tokens, thenContext).instruction
                let otherwise = try parseBlock(&tokens, context)
                instructions.append(.conditional(variable, pattern, then: then, otherwise: otherwise, at: position(head)))
                break
            }
            let (instruction, bound) = try parseInstruction(&tokens, context)
            instructions.append(instruction)
            context.scope.formUnion(bound)
        }
        return .sequence(instructions)
    }

    /// Parses one instruction; returns it with the names it binds for the rest of its block.
    mutating func parseInstruction(
        _ tokens: inout ScriptTokens, _ context: Context
    ) throws(ConfigScriptError) -> (instruction: ScriptInstruction, bound: [String]) {
        guard let head = tokens.next() else {
            throw ConfigScriptError(file: file, line: 1, column: 1, message: "expected an instruction")
        }
        let at = position(head)
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error(at: at, "instructions nest too deeply") }
        switch head.unannotated {
        case .record, .dictionary:
            return (.assert(target: target(context, at), try parseTemplate(head, context), at: at), [])
        case .sequence(let items):
            var inner = ScriptTokens(items)
            return (try parseBlock(&inner, context), [])
        case .symbol(let symbol):
            return try parseKeyword(symbol, head, &tokens, context)
        default:
            throw error(at: at, "unknown instruction form \(head.stripped): expected a record, dictionary, block or keyword")
        }
    }

    private mutating func parseKeyword(
        _ symbol: Symbol, _ head: Value<Never>, _ tokens: inout ScriptTokens, _ context: Context
    ) throws(ConfigScriptError) -> (instruction: ScriptInstruction, bound: [String]) {
        let at = position(head)
        switch symbol.name {
        case "+=":
            let value = try expect(&tokens, "a value to assert after +=", after: head)
            return (.assert(target: target(context, at), try parseTemplate(value, context), at: at), [])
        case "!":
            let value = try expect(&tokens, "a message after !", after: head)
            return (.message(target: target(context, at), try parseTemplate(value, context), at: at), [])
        case "?", "??":
            let patternValue = try expect(&tokens, "a pattern after \(symbol.name)", after: head)
            let pattern = try parsePattern(patternValue, context)
            var bodyContext = context
            bodyContext.scope.formUnion(pattern.binderNames)
            guard !tokens.atEnd else { throw error(at: at, "expected an instruction after the \(symbol.name) pattern") }
            let body = try parseInstruction(&tokens, bodyContext).instruction
            let target = target(context, at)
            if symbol.name == "?" {
                return (.during(target: target, pattern, body: body, at: at), [])
            }
            return (.onMessage(target: target, pattern, body: body, at: at), [])
        case "?-":
            guard !tokens.atEnd else { throw error(at: at, "expected an instruction after ?-") }
            return (.onStop(body: try parseInstruction(&tokens, context).instruction), [])
        case "let":
            let patternValue = try expect(&tokens, "a pattern after let", after: head)
            let pattern = try parsePattern(patternValue, context)
            let equals = try expect(&tokens, "= after the let pattern", after: patternValue)
            guard equals.isSymbol("=") else { throw error(at: position(equals), "expected = after the let pattern") }
            let expression = try parseExpression(&tokens, context, after: equals)
            return (.bind(pattern, expression, at: at), pattern.binderNames)
        case "=~":
            throw error(at: at, "=~ must follow a variable at the start of a block element ($var =~ PATTERN INSTR)")
        default:
            if case .reference(let name) = ScriptSymbol(symbol) {
                guard !tokens.atEnd else { throw error(at: at, "expected an instruction after $\(name)") }
                var inner = context
                inner.target = reference(name, at: at, context)
                return try parseInstruction(&tokens, inner)
            }
            throw error(at: at, "unknown instruction \(symbol)")
        }
    }

    // MARK: Expressions

    /// Parses the expression after `let … =`.
    mutating func parseExpression(
        _ tokens: inout ScriptTokens, _ context: Context, after previous: Value<Never>
    ) throws(ConfigScriptError) -> ScriptExpression {
        let value = try expect(&tokens, "an expression", after: previous)
        let at = position(value)
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error(at: at, "expressions nest too deeply") }
        switch value.unannotated {
        case .symbol(let symbol) where symbol.name == "dataspace":
            return .dataspace
        case .symbol(let symbol) where symbol.name == "timestamp":
            return .timestamp
        case .symbol(let symbol) where symbol.name == "facet":
            return .facet
        case .symbol(let symbol) where symbol.name == "scriptdir":
            return .scriptDirectory(URL(fileURLWithPath: file).deletingLastPathComponent().path)
        case .symbol(let symbol) where symbol.name == "stringify":
            return .stringify(try parseExpression(&tokens, context, after: value))
        case .symbol(let symbol) where symbol.name == "join":
            let separator = try parseExpression(&tokens, context, after: value)
            let pieces = try parseExpression(&tokens, context, after: value)
            return .join(separator: separator, pieces: pieces, at: at)
        case .record(let record) where record.label.isSymbol("*"):
            guard record.fields.count == 2 else {
                throw error(at: at, "malformed attenuation: expected <* $cap [CAVEAT …]>")
            }
            let capability = try parseTemplate(record.fields[0], context)
            guard case .sequence(let items) = record.fields[1].unannotated else {
                throw error(at: position(record.fields[1], or: at), "malformed attenuation: the caveats must be a sequence [CAVEAT …]")
            }
            var caveats: [ScriptCaveat] = []
            for item in items { caveats.append(try parseCaveat(item, context)) }
            return .attenuate(capability, caveats, at: at)
        default:
            return .template(try parseTemplate(value, context))
        }
    }

    private mutating func parseCaveat(_ value: Value<Never>, _ context: Context) throws(ConfigScriptError) -> ScriptCaveat {
        let at = position(value)
        if case .record(let record) = value.unannotated {
            if record.label.isSymbol("or") {
                guard record.fields.count == 1, case .sequence(let items) = record.fields[0].unannotated else {
                    throw error(at: at, "malformed caveat: expected <or [REWRITE …]>")
                }
                var rewrites: [ScriptRewrite] = []
                for item in items { rewrites.append(try parseRewrite(item, context)) }
                return .alternatives(rewrites)
            }
            if record.label.isSymbol("reject") {
                guard record.fields.count == 1 else { throw error(at: at, "malformed caveat: expected <reject PATTERN>") }
                return .reject(try parsePattern(record.fields[0], context))
            }
        }
        return .rewrite(try parseRewrite(value, context))
    }

    private mutating func parseRewrite(_ value: Value<Never>, _ context: Context) throws(ConfigScriptError) -> ScriptRewrite {
        let at = position(value)
        if case .record(let record) = value.unannotated {
            if record.label.isSymbol("accept") {
                guard record.fields.count == 1 else { throw error(at: at, "malformed caveat: expected <accept PATTERN>") }
                return .accept(try parsePattern(record.fields[0], context))
            }
            if record.label.isSymbol("rewrite") {
                guard record.fields.count == 2 else { throw error(at: at, "malformed caveat: expected <rewrite PATTERN TEMPLATE>") }
                let pattern = try parsePattern(record.fields[0], context)
                var templateContext = context
                templateContext.scope.formUnion(pattern.binderNames)
                return .rewrite(pattern, try parseTemplate(record.fields[1], templateContext))
            }
        }
        throw error(at: at, "malformed caveat \(value.stripped): expected <accept P>, <rewrite P T>, <or [...]> or <reject P>")
    }

    // MARK: Templates

    /// Parses a value to build at run time.
    mutating func parseTemplate(_ value: Value<Never>, _ context: Context) throws(ConfigScriptError) -> ScriptTemplate {
        let at = position(value)
        let template: ScriptTemplate
        switch value.unannotated {
        case .symbol(let symbol):
            switch ScriptSymbol(symbol) {
            case .discard:
                throw error(at: at, "_ (discard) is only allowed in patterns; write =_ for the symbol")
            case .binder(let name):
                throw error(at: at, "?\(name) (capture) is only allowed in patterns; write =?\(name) for the symbol")
            case .reference(let name):
                template = .variable(reference(name, at: at, context))
            case .allBindings:
                template = .allBindings
            case .literal(let literal):
                template = .literal(.symbol(literal))
            }
        case .record(let record):
            if case .binder(let name) = ScriptSymbol(record.label) {
                throw error(at: at, "<?\(name) …> (capture) is only allowed in patterns")
            }
            let label = try parseTemplate(record.label, context)
            var fields: [ScriptTemplate] = []
            for field in record.fields { fields.append(try parseTemplate(field, context)) }
            template = .record(label: label, fields: fields)
        case .sequence(let items):
            var out: [ScriptTemplate] = []
            for item in items { out.append(try parseTemplate(item, context)) }
            template = .sequence(out)
        case .set(let items):
            var out: [ScriptTemplate] = []
            for item in items.sorted() { out.append(try parseTemplate(item, context)) }
            template = .set(out)
        case .dictionary(let entries):
            var out: [(key: ScriptTemplate, value: ScriptTemplate)] = []
            for (key, item) in entries.sorted(by: { $0.key < $1.key }) {
                out.append((try parseTemplate(key, context), try parseTemplate(item, context)))
            }
            template = .dictionary(out)
        default:
            template = .literal(Self.literal(value))
        }
        return ScriptTemplate.folded(template)
    }

    // MARK: Patterns

    /// Parses a pattern; a name may be captured only once in it.
    mutating func parsePattern(_ value: Value<Never>, _ context: Context) throws(ConfigScriptError) -> ScriptPattern {
        var seen: Set<String> = []
        return try parsePattern(value, context, &seen)
    }

    private mutating func parsePattern(
        _ value: Value<Never>, _ context: Context, _ seen: inout Set<String>
    ) throws(ConfigScriptError) -> ScriptPattern {
        let at = position(value)
        switch value.unannotated {
        case .symbol(let symbol):
            switch ScriptSymbol(symbol) {
            case .discard:
                return .discard
            case .binder(let name):
                try declare(name, at: at, &seen)
                return .bind(name: name, .discard)
            default:
                return .literal(try parseTemplate(value, context))
            }
        case .record(let record):
            if case .binder(let name) = ScriptSymbol(record.label) {
                guard record.fields.count == 1 else {
                    throw error(at: at, "a capture with a subpattern takes one pattern: <?\(name) PATTERN>")
                }
                try declare(name, at: at, &seen)
                return .bind(name: name, try parsePattern(record.fields[0], context, &seen))
            }
            let label = try parseLabel(record.label, context, recordAt: at)
            var fields: [ScriptPattern] = []
            for field in record.fields { fields.append(try parsePattern(field, context, &seen)) }
            return .record(label: label, fields: fields)
        case .sequence(let items):
            var out: [ScriptPattern] = []
            for item in items { out.append(try parsePattern(item, context, &seen)) }
            return .sequence(out)
        case .dictionary(let entries):
            var out: [(key: AnyValue, value: ScriptPattern)] = []
            for (key, item) in entries.sorted(by: { $0.key.stripped < $1.key.stripped }) {
                out.append((Self.literal(key), try parsePattern(item, context, &seen)))
            }
            return .dictionary(out)
        case .set:
            throw error(at: at, "sets cannot be matched by patterns")
        default:
            return .literal(.literal(Self.literal(value)))
        }
    }

    /// A record pattern's label: data, possibly with `$name`s, but no captures or discards.
    private mutating func parseLabel(
        _ label: Value<Never>, _ context: Context, recordAt: SourcePosition
    ) throws(ConfigScriptError) -> ScriptTemplate {
        if let symbol = ScriptSymbol(label) {
            switch symbol {
            case .discard, .binder:
                throw error(at: position(label, or: recordAt), "a record pattern needs a literal label, not \(label.stripped)")
            default:
                break
            }
        }
        do {
            return try parseTemplate(label, context)
        } catch {
            var wrapped = error
            wrapped.message = "a record pattern needs a literal label: \(error.message)"
            throw wrapped
        }
    }

    private func declare(_ name: String, at: SourcePosition, _ seen: inout Set<String>) throws(ConfigScriptError) {
        guard seen.insert(name).inserted else { throw error(at: at, "?\(name) is captured twice in one pattern") }
    }

    // MARK: Variables

    /// A reference to `name`; if the script has not bound it, the environment must supply it.
    private mutating func reference(_ name: String, at: SourcePosition, _ context: Context) -> ScriptVariable {
        let variable = ScriptVariable(name: name, position: at)
        if !context.scope.contains(name), !freeVariables.contains(where: { $0.name == name }) {
            freeVariables.append(variable)
        }
        return variable
    }

    /// Checks the free variables against the predefined names, if any were given.
    func checkFreeVariables() throws(ConfigScriptError) {
        guard let predefined else { return }
        for variable in freeVariables where !predefined.contains(variable.name) {
            throw error(at: variable.position, "unbound variable $\(variable.name)")
        }
    }

    /// The current target: the variable named by the innermost `$var INSTR`, or `$config`.
    private mutating func target(_ context: Context, _ at: SourcePosition) -> ScriptVariable {
        context.target ?? reference("config", at: at, context)
    }

    // MARK: Helpers

    private func expect(
        _ tokens: inout ScriptTokens, _ what: String, after previous: Value<Never>
    ) throws(ConfigScriptError) -> Value<Never> {
        guard let value = tokens.next() else { throw error(at: position(previous), "expected \(what)") }
        return value
    }

    private func position(_ value: Value<Never>, or fallback: SourcePosition = SourcePosition(offset: 0, line: 1, column: 1)) -> SourcePosition {
        value.position ?? fallback
    }

    private func error(at position: SourcePosition, _ message: String) -> ConfigScriptError {
        ConfigScriptError(file: file, at: position, message)
    }

    /// Plain data as a runtime value (scripts contain no embedded values).
    static func literal(_ value: Value<Never>) -> AnyValue {
        value.stripped.mapEmbedded(absurd)
    }

    private static func absurd(_ never: Never) -> Ref {}
}

import Preserves
import PreservesSchema

/// The code of the generated `init(binary:)` readers: records, tuples, sequences and
/// alternatives read straight from a `Preserves.BinarySource`, the mirror of `write(to:)`.
///
/// A direct reader must succeed only where parsing the decoded value would, with the same
/// result; it may give up anywhere else (the caller then parses the value). So every part
/// that is not an envelope (`any`, atoms, embedded values, sets, dictionaries) is read as a
/// value and parsed with the ordinary parse expression, and an alternative is read directly
/// only when the first bytes rule out every alternative before it.
extension PatternCode {
    static var source: Expression { .name("_source") }
    var sourceType: TypeUsage { .named("Preserves.BinarySource", [embedded]) }
    /// `binary: &source`, the argument passing the source on.
    static var sourceArgument: Argument { .labeled("binary", .name("&_source")) }
    /// `source.readValue()`, to be tried by the enclosing expression.
    static var readValue: Expression { source.dot("readValue").call() }

    static func tried(_ e: Expression) -> Expression {
        if case .tryExpression = e { return e }
        return e.tried
    }

    /// An expression reading a value of `pattern` from the source; `nil` for literals.
    mutating func readExpression(_ pattern: Schema.SimplePattern) -> Expression? {
        if case .ref(let ref) = pattern {
            let q = model.resolve(ref, from: module.path)
            if isAlias(q) {
                // Readers of aliases exist in modules this compiler generated alongside.
                if q.module == module.path {
                    return namespaceMember(q, "read\(model.definition(q)!.swiftName)").call(.labeled("from", .name("&_source"))).tried
                }
            } else {
                return Expression.type(spell(.ref(q))).call(Self.sourceArgument).tried
            }
        }
        if case .atom(.signedInteger) = pattern {
            return Self.source.dot("readInteger").call(.unlabeled(definitionLiteral)).tried
        }
        return parseExpression(pattern, Self.readValue).map(Self.tried)
    }

    /// An element of a collection read from the source (see ``elementExpression(_:_:)``).
    mutating func readElement(_ pattern: Schema.SimplePattern) -> Expression {
        readExpression(pattern) ?? Self.tried(elementExpression(pattern, Self.readValue))
    }

    /// Statements reading a compound pattern from the source and binding its named fields;
    /// `nil` where it is not read directly (its value is parsed instead).
    mutating func readCompound(_ pattern: Schema.CompoundPattern) -> [Statement]? {
        switch pattern {
        case .rec(.anonymous(.simplePattern(.lit(.symbol(let s)))), .anonymous(.compoundPattern(.tuple(let items)))):
            guard let body = readItems(items) else { return nil }
            return [.expression(Self.source.dot("beginRecord").call(.labeled("label", .string(s.name))).tried)]
                + body + [.expression(Self.source.dot("end").call().tried)]
        case .tuple(let items):
            guard let body = readItems(items) else { return nil }
            return [.expression(Self.source.dot("beginSequence").call().tried)]
                + body + [.expression(Self.source.dot("end").call().tried)]
        default:
            return nil
        }
    }

    mutating func readItems(_ items: [Schema.NamedPattern]) -> [Statement]? {
        var lines: [Statement] = []
        for item in items {
            switch item {
            case .named(let binding):
                if let e = readExpression(binding.pattern) {
                    lines.append(.declare(.let, .name(SwiftNames.escaped(SwiftNames.memberName(binding.name.name))), type: nil, value: e))
                } else {
                    lines.append(.expression(literalCheck(binding.pattern, Self.readValue)))
                }
            case .anonymous(.simplePattern(let simple)):
                if let e = readExpression(simple) {
                    lines.append(.declare(.let, .discard, type: nil, value: e))
                } else {
                    lines.append(.expression(literalCheck(simple, Self.readValue)))
                }
            case .anonymous(.compoundPattern(let compound)):
                guard let body = readCompound(compound) else { return nil }
                lines += body
            }
        }
        return lines
    }

    /// Statements reading an alias's value from the source and returning it.
    mutating func readAliasBody(_ pattern: Schema.SimplePattern, type: TypeUsage) -> [Statement] {
        guard case .seqof(let element) = pattern else {
            return [.returnStatement(readExpression(pattern) ?? Self.tried(Self.readValue))]
        }
        let items = fresh("items")
        return [
            .expression(Self.source.dot("beginSequence").call().tried),
            .declare(.var, .name(items), type: type, value: .array([])),
            .whileLoop([.expression(Self.source.dot("hasMore").call().tried)], [
                .expression(Expression.name(items).dot("append").call(.unlabeled(readElement(element)))),
            ]),
            .expression(Self.source.dot("end").call().tried),
            .returnStatement(.name(items)),
        ]
    }

    /// A condition on the source's next bytes that holds for every value of `pattern` that
    /// starts plainly (see `BinarySource.startsPlainly()`); `nil` if there is none to test.
    func startTest(_ pattern: Schema.Pattern, depth: Int = 0) -> Expression? {
        func starts(_ kind: String) -> Expression {
            Self.source.dot("starts").call(.labeled("with", .member(nil, kind)))
        }
        switch pattern {
        case .compoundPattern(.rec(.anonymous(.simplePattern(.lit(.symbol(let s)))), _)):
            return Self.source.dot("peekRecord").call(.labeled("label", .string(s.name)))
        case .compoundPattern(.rec):
            return starts("record")
        case .compoundPattern(.tuple), .compoundPattern(.tuplePrefix):
            return starts("sequence")
        case .compoundPattern(.dict):
            return starts("dictionary")
        case .simplePattern(let simple):
            switch simple {
            case .any:
                return nil
            case .atom(.boolean):
                return nil  // two tags; not worth a test
            case .atom(let kind):
                let name = switch kind {
                case .boolean, .signedInteger: "integer"
                case .double: "double"
                case .string: "string"
                case .byteString: "byteString"
                case .symbol: "symbol"
                }
                return starts(name)
            case .embedded:
                return starts("embedded")
            case .lit(let literal):
                switch literal {
                case .boolean(let b): return Self.source.dot("starts").call(.labeled("with", Expression.member(nil, "boolean").call(.unlabeled(.literal(.bool(b))))))
                case .double: return starts("double")
                case .integer: return starts("integer")
                case .string: return starts("string")
                case .byteString: return starts("byteString")
                case .symbol: return starts("symbol")
                case .record: return starts("record")
                case .sequence: return starts("sequence")
                case .set: return starts("set")
                case .dictionary: return starts("dictionary")
                default: return nil
                }
            case .seqof:
                return starts("sequence")
            case .setof:
                return starts("set")
            case .dictof:
                return starts("dictionary")
            case .ref(let ref):
                let q = model.resolve(ref, from: module.path)
                guard depth < 4, let d = model.definition(q), case .pattern(let p) = d.definition else { return nil }
                return startTest(p, depth: depth + 1)
            }
        }
    }
}

import Preserves
import PreservesSchema

/// Prints metaschema values back in `.prs` syntax, with every reference marked so renderers can
/// link it.
///
/// Definitions are laid out for reading: alternatives one per line (`/ @label Pattern`, the label
/// only where the reader would not infer it), intersections one part per `&` line when they do
/// not fit, and records, tuples and dictionaries broken one field per line when they are wider
/// than ``width``. Reading the printed text back gives the same metaschema value.
public struct SchemaSourcePrinter: Sendable {
    /// The module the printed definitions belong to; references without a module refer to it.
    public var module: Schema.ModulePath
    /// The line width to stay within where possible.
    public var width: Int

    public init(module: Schema.ModulePath, width: Int = 76) {
        self.module = module
        self.width = width
    }

    // MARK: Entry points

    /// `Name = pattern .`, laid out over as many lines as it needs.
    public func definition(_ name: Symbol, _ definition: Schema.Definition) -> SourceText {
        var out = SourceLayoutRenderer(width: width)
        out.append([SourceSpan(.definitionName, name.description)])
        switch definition {
        case .pattern(let pattern):
            out.append([SourceSpan(.plain, " = ")])
            out.emit(layout(pattern), indent: 0, reserve: 2)
        case .or(let a, let b, let rest):
            out.append([SourceSpan(.plain, " =")])
            for alternative in [a, b] + rest {
                out.newline(indent: 4)
                out.append([SourceSpan(.plain, "/ ")])
                if alternative.pattern.inferredAlternativeLabel != alternative.variantLabel {
                    out.append([SourceSpan(.binding, "@" + Symbol(alternative.variantLabel).description), SourceSpan(.plain, " ")])
                }
                out.emit(layout(alternative.pattern), indent: 4, reserve: 2)
            }
        case .and(let a, let b, let rest):
            let parts = ([a, b] + rest).map(layout)
            let flat = SourceLayout.sequence(parts.enumerated().flatMap { i, p in i == 0 ? [p] : [.plain(" & "), p] })
            out.append([SourceSpan(.plain, " = ")])
            if name.description.count + 3 + flat.flatWidth + 2 <= width {
                out.emit(flat, indent: 0)
            } else {
                out.emit(parts[0], indent: 4)
                for part in parts.dropFirst() {
                    out.newline(indent: 4)
                    out.append([SourceSpan(.plain, "& ")])
                    out.emit(part, indent: 4, reserve: 2)
                }
            }
        }
        out.append([SourceSpan(.plain, " .")])
        return SourceText(lines: out.lines)
    }

    /// A pattern on one line, as change reports quote it.
    public func pattern(_ pattern: Schema.Pattern) -> SourceText {
        SourceText(lines: [layout(pattern).flatSpans])
    }

    /// A definition body on one line: alternatives joined with ` / `, parts with ` & `.
    public func body(_ definition: Schema.Definition) -> SourceText {
        switch definition {
        case .pattern(let p):
            return pattern(p)
        case .or(let a, let b, let rest):
            var spans: [SourceSpan] = []
            for (i, alternative) in ([a, b] + rest).enumerated() {
                if i > 0 { spans.append(SourceSpan(.plain, " / ")) }
                if alternative.pattern.inferredAlternativeLabel != alternative.variantLabel {
                    spans += [SourceSpan(.binding, "@" + Symbol(alternative.variantLabel).description), SourceSpan(.plain, " ")]
                }
                spans += layout(alternative.pattern).flatSpans
            }
            return SourceText(lines: [spans])
        case .and(let a, let b, let rest):
            let parts = ([a, b] + rest).map { layout($0).flatSpans }
            return SourceText(lines: [parts.enumerated().flatMap { i, p in i == 0 ? p : [SourceSpan(.plain, " & ")] + p }])
        }
    }

    /// The right-hand side of an `embeddedType` clause: a reference, or `#f`.
    public func embeddedType(_ type: Schema.EmbeddedTypeName) -> SourceText {
        switch type {
        case .false: SourceText(lines: [[SourceSpan(.literal, "#f")]])
        case .ref(let ref): SourceText(lines: [[reference(ref)]])
        }
    }

    /// A simple pattern on one line.
    public func simplePattern(_ pattern: Schema.SimplePattern) -> SourceText {
        SourceText(lines: [layout(pattern).flatSpans])
    }

    // MARK: Patterns

    func reference(_ ref: Schema.Ref) -> SourceSpan {
        let written = (ref.module.map(\.name) + [ref.name.name]).joined(separator: ".")
        let target = Schema.Ref(module: ref.module.isEmpty ? module : ref.module, name: ref.name)
        return SourceSpan(.reference, written, target: target)
    }

    func layout(_ pattern: Schema.Pattern) -> SourceLayout {
        switch pattern {
        case .simplePattern(let simple): layout(simple)
        case .compoundPattern(let compound): layout(compound)
        }
    }

    func layout(_ pattern: Schema.SimplePattern) -> SourceLayout {
        switch pattern {
        case .any:
            return .spans([SourceSpan(.builtin, "any")])
        case .atom(let kind):
            return .spans([SourceSpan(.builtin, Self.atomKeyword(kind))])
        case .embedded(let interface):
            return .sequence([.plain("#:"), layout(interface)])
        case .lit(let value):
            return .spans(Self.literalPattern(value))
        case .seqof(let element):
            return .sequence([.plain("["), layout(element), .plain(" ...]")])
        case .setof(let element):
            return .sequence([.plain("#{"), layout(element), .plain("}")])
        case .dictof(let key, let value):
            return .sequence([.plain("{"), layout(key), .plain(": "), layout(value), .plain(" ...:...}")])
        case .ref(let ref):
            return .spans([reference(ref)])
        }
    }

    func layout(_ pattern: Schema.CompoundPattern) -> SourceLayout {
        switch pattern {
        case .rec(.anonymous(.simplePattern(.lit(let label))), .anonymous(.compoundPattern(.tuple(let items)))):
            return .group(
                open: [SourceSpan(.plain, "<"), SourceSpan(.literal, Self.recordLabel(label))],
                items: items.map(layout), separator: " ", spaceAfterOpen: true, close: [SourceSpan(.plain, ">")])
        case .rec(.anonymous(.simplePattern(.lit(let label))), .anonymous(.compoundPattern(.tuplePrefix(let fixed, let variable)))):
            return .group(
                open: [SourceSpan(.plain, "<"), SourceSpan(.literal, Self.recordLabel(label))],
                items: fixed.map(layout) + [repeated(variable)], separator: " ", spaceAfterOpen: true,
                close: [SourceSpan(.plain, ">")])
        case .rec(let label, let fields):
            return .group(
                open: [SourceSpan(.plain, "<<rec>")], items: [layout(label), layout(fields)], separator: " ",
                spaceAfterOpen: true, close: [SourceSpan(.plain, ">")])
        case .tuple(let items):
            return .group(
                open: [SourceSpan(.plain, "[")], items: items.map(layout), separator: " ", spaceAfterOpen: false,
                close: [SourceSpan(.plain, "]")])
        case .tuplePrefix(let fixed, let variable):
            return .group(
                open: [SourceSpan(.plain, "[")], items: fixed.map(layout) + [repeated(variable)], separator: " ",
                spaceAfterOpen: false, close: [SourceSpan(.plain, "]")])
        case .dict(let entries):
            let items: [SourceLayout] = entries.sorted { $0.key < $1.key }.map { key, value in
                let keySpans = [SourceSpan(.literal, key.description), SourceSpan(.plain, ": ")]
                switch value {
                case .named(let binding) where binding.name == key.symbol:
                    return .sequence([.spans(keySpans), layout(binding.pattern)])
                default:
                    return .sequence([.spans(keySpans), layout(value)])
                }
            }
            return .group(
                open: [SourceSpan(.plain, "{")], items: items, separator: ", ", spaceAfterOpen: false,
                close: [SourceSpan(.plain, "}")])
        }
    }

    func layout(_ pattern: Schema.NamedPattern) -> SourceLayout {
        switch pattern {
        case .named(let binding): named(binding.name, layout(binding.pattern))
        case .anonymous(let p): layout(p)
        }
    }

    func layout(_ pattern: Schema.NamedSimplePattern) -> SourceLayout {
        switch pattern {
        case .named(let binding): named(binding.name, layout(binding.pattern))
        case .anonymous(let p): layout(p)
        }
    }

    /// The repeated tail of a tuple: `@name p ...` for `<seqof p>`.
    func repeated(_ variable: Schema.NamedSimplePattern) -> SourceLayout {
        func element(_ p: Schema.SimplePattern) -> SourceLayout {
            if case .seqof(let e) = p { return layout(e) }
            return layout(p)
        }
        switch variable {
        case .named(let binding): return .sequence([named(binding.name, element(binding.pattern)), .plain(" ...")])
        case .anonymous(let p): return .sequence([element(p), .plain(" ...")])
        }
    }

    func named(_ name: Symbol, _ pattern: SourceLayout) -> SourceLayout {
        .sequence([.spans([SourceSpan(.binding, "@" + name.description), SourceSpan(.plain, " ")]), pattern])
    }

    // MARK: Literals

    static func atomKeyword(_ kind: Schema.AtomKind) -> String {
        switch kind {
        case .boolean: "bool"
        case .double: "double"
        case .signedInteger: "int"
        case .string: "string"
        case .byteString: "bytes"
        case .symbol: "symbol"
        }
    }

    /// A literal in pattern position: `=name` for symbols, the value itself for other atoms,
    /// `<<lit> value>` otherwise.
    static func literalPattern(_ value: Value<Never>) -> [SourceSpan] {
        switch value {
        case .symbol(let s) where !s.description.hasPrefix("'"):
            return [SourceSpan(.literal, "=" + s.name)]
        case .boolean, .double, .integer, .string, .byteString:
            return [SourceSpan(.literal, value.description)]
        default:
            return [SourceSpan(.plain, "<<lit> "), SourceSpan(.literal, value.description), SourceSpan(.plain, ">")]
        }
    }

    /// A record label: a symbol bare (or quoted), other values in text syntax.
    static func recordLabel(_ value: Value<Never>) -> String {
        value.description
    }
}

/// Source whose line breaks depend on the width available: groups (records, tuples,
/// dictionaries) stay on one line when they fit and put one item per line when they do not.
indirect enum SourceLayout {
    case spans([SourceSpan])
    case sequence([SourceLayout])
    /// `open`, the items, `close`. On one line the items are joined by `separator` (and preceded
    /// by a space when `spaceAfterOpen`); broken, each item gets its own indented line and
    /// `close` returns to the outer indentation.
    case group(open: [SourceSpan], items: [SourceLayout], separator: String, spaceAfterOpen: Bool, close: [SourceSpan])

    static func plain(_ text: String) -> SourceLayout { .spans([SourceSpan(.plain, text)]) }

    /// The spans of the one-line form.
    var flatSpans: [SourceSpan] {
        switch self {
        case .spans(let spans):
            return spans
        case .sequence(let parts):
            return parts.flatMap(\.flatSpans)
        case .group(let open, let items, let separator, let spaceAfterOpen, let close):
            var out = open
            for (i, item) in items.enumerated() {
                if i > 0 {
                    out.append(SourceSpan(.plain, separator))
                } else if spaceAfterOpen {
                    out.append(SourceSpan(.plain, " "))
                }
                out += item.flatSpans
            }
            return out + close
        }
    }

    /// The width of the one-line form, in characters.
    var flatWidth: Int { flatSpans.reduce(0) { $0 + $1.text.count } }
}

/// Lays out ``SourceLayout`` into lines no wider than `width` where possible.
struct SourceLayoutRenderer {
    let width: Int
    let indentStep = 4
    private(set) var lines: [[SourceSpan]] = [[]]
    private var column = 0

    init(width: Int) {
        self.width = width
    }

    /// Appends spans to the current line.
    mutating func append(_ spans: [SourceSpan]) {
        for span in spans where !span.text.isEmpty {
            lines[lines.count - 1].append(span)
            column += span.text.count
        }
    }

    /// Starts a new line indented by `indent` spaces.
    mutating func newline(indent: Int) {
        lines.append(indent > 0 ? [SourceSpan(.plain, String(repeating: " ", count: indent))] : [])
        column = indent
    }

    /// Emits `layout` at the current position; `reserve` is the width of what must follow it
    /// on the same line (such as a closing ` .`).
    mutating func emit(_ layout: SourceLayout, indent: Int, reserve: Int = 0) {
        switch layout {
        case .spans(let spans):
            append(spans)
        case .sequence(let parts):
            for (i, part) in parts.enumerated() {
                let following = parts[(i + 1)...].reduce(0) { $0 + $1.flatWidth }
                emit(part, indent: indent, reserve: reserve + following)
            }
        case .group(let open, let items, _, let spaceAfterOpen, let close):
            if column + layout.flatWidth + reserve <= width || items.isEmpty {
                append(layout.flatSpans)
                return
            }
            if items.count == 1, case .group = items[0] {
                // A group holding one group (`<schema {…}>`) hugs it: only the inner one breaks.
                append(open + (spaceAfterOpen ? [SourceSpan(.plain, " ")] : []))
                emit(items[0], indent: indent, reserve: reserve + close.reduce(0) { $0 + $1.text.count })
                append(close)
                return
            }
            append(open)
            for item in items {
                newline(indent: indent + indentStep)
                emit(item, indent: indent + indentStep)
            }
            newline(indent: indent)
            append(close)
        }
    }
}

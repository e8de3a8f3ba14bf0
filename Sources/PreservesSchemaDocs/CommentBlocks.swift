import Foundation

/// Schema comments read as light Markdown: paragraphs separated by blank or divider lines,
/// `#` headings, `-` or `*` list items and `1.` numbered items (whose continuation lines may be
/// indented as deep as their text; a blank line between items keeps one list), and blocks
/// indented by four spaces kept as written. Inline, text in backticks is code.
enum CommentBlock: Hashable {
    case paragraph(String)
    case heading(String)
    case list([String])
    case orderedList([String])
    case preformatted([String])

    /// The blocks of a definition's comment lines (each without its leading `# `).
    static func parse(_ lines: [String]) -> [CommentBlock] {
        var blocks: [CommentBlock] = []
        var paragraph: [String] = []
        var items: [String] = []
        var ordered = false
        var preformatted: [String] = []
        /// A blank line after list items: the list goes on if another item follows.
        var blankAfterItems = false

        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph.joined(separator: " "))) }
            if !items.isEmpty { blocks.append(ordered ? .orderedList(items) : .list(items)) }
            if !preformatted.isEmpty { blocks.append(.preformatted(preformatted)) }
            paragraph = []
            items = []
            preformatted = []
            blankAfterItems = false
        }

        var afterDivider = false
        for line in lines {
            let trimmed = line.trimmingWhitespace
            defer { afterDivider = isDivider(trimmed) }
            let item = listItem(trimmed)
            if blankAfterItems && !trimmed.isEmpty && (item == nil || item!.ordered != ordered) { flush() }
            if trimmed.isEmpty && !items.isEmpty {
                blankAfterItems = true
            } else if trimmed.isEmpty || isDivider(trimmed) {
                flush()
            } else if afterDivider && isSectionTitle(trimmed) {
                // `# ----` then `# Macaroons`: the title of a section of the schema.
                flush()
                blocks.append(.heading(trimmed))
            } else if let item {
                if !paragraph.isEmpty || !preformatted.isEmpty || (!items.isEmpty && item.ordered != ordered) { flush() }
                ordered = item.ordered
                blankAfterItems = false
                items.append(item.text)
            } else if !items.isEmpty && !blankAfterItems && line.hasPrefix(" ") {
                items[items.count - 1] += " " + trimmed
            } else if line.hasPrefix("    ") {
                if preformatted.isEmpty { flush() }
                preformatted.append(String(line.dropFirst(4)))
            } else if let heading = headingText(trimmed) {
                flush()
                blocks.append(.heading(heading))
            } else {
                if !items.isEmpty || !preformatted.isEmpty { flush() }
                paragraph.append(trimmed)
            }
        }
        flush()
        return blocks
    }

    /// `- text`, `* text`, `1. text` or `1) text`: the item's text, and whether it is numbered.
    static func listItem(_ trimmed: String) -> (text: String, ordered: Bool)? {
        if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") { return (String(trimmed.dropFirst(2)), false) }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        let rest = trimmed.dropFirst(digits.count)
        guard rest.hasPrefix(". ") || rest.hasPrefix(") ") else { return nil }
        return (String(rest.dropFirst(2)).trimmingWhitespace, true)
    }

    /// Lines such as `-----` or `=====` that separate sections of a schema.
    static func isDivider(_ line: String) -> Bool {
        line.count >= 3 && line.allSatisfy { $0 == "-" || $0 == "=" || $0 == "#" || $0 == " " }
    }

    /// A short line without closing punctuation.
    static func isSectionTitle(_ line: String) -> Bool {
        line.count <= 60 && !line.hasSuffix(".") && !line.hasSuffix(":") && !line.hasSuffix(",")
    }

    /// `# Title` → `Title`.
    static func headingText(_ line: String) -> String? {
        guard line.hasPrefix("#") else { return nil }
        let rest = line.drop { $0 == "#" }
        guard rest.hasPrefix(" ") else { return nil }
        let text = String(rest).trimmingWhitespace
        return text.isEmpty ? nil : text
    }
}

/// A piece of a comment line: text, `code`, or a web address.
enum InlineSpan: Hashable {
    case text(String)
    case code(String)
    case url(String)

    /// Splits at backticks (an unmatched one is kept as text) and around `http(s)://` addresses.
    static func parse(_ text: String) -> [InlineSpan] {
        var spans: [InlineSpan] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "`") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "`") else { break }
            spans += urls(in: rest[..<open])
            spans.append(.code(String(rest[afterOpen..<close])))
            rest = rest[rest.index(after: close)...]
        }
        spans += urls(in: rest)
        return spans
    }

    static func urls(in text: Substring) -> [InlineSpan] {
        var spans: [InlineSpan] = []
        var rest = text
        while let start = [rest.range(of: "https://"), rest.range(of: "http://")].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) {
            var end = start.lowerBound
            while end < rest.endIndex, !rest[end].isWhitespace, !")>]\"'".contains(rest[end]) {
                end = rest.index(after: end)
            }
            // A sentence's full stop or comma is not part of the address.
            while end > start.upperBound, ".,;:".contains(rest[rest.index(before: end)]) {
                end = rest.index(before: end)
            }
            if !rest[..<start.lowerBound].isEmpty { spans.append(.text(String(rest[..<start.lowerBound]))) }
            spans.append(.url(String(rest[start.lowerBound..<end])))
            rest = rest[end...]
        }
        if !rest.isEmpty { spans.append(.text(String(rest))) }
        return spans
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }
        var end = scalars.endIndex
        while end > scalars.startIndex, [" ", "\t"].contains(scalars[scalars.index(before: end)]) {
            end = scalars.index(before: end)
        }
        return String(String.UnicodeScalarView(scalars[..<end]))
    }
}

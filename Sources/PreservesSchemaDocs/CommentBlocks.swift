import Foundation

/// Schema comments read as light Markdown: paragraphs separated by blank or divider lines,
/// `#` headings, `-` or `*` list items, and blocks indented by four spaces kept as written.
/// Inline, text in backticks is code.
enum CommentBlock: Hashable {
    case paragraph(String)
    case heading(String)
    case list([String])
    case preformatted([String])

    /// The blocks of a definition's comment lines (each without its leading `# `).
    static func parse(_ lines: [String]) -> [CommentBlock] {
        var blocks: [CommentBlock] = []
        var paragraph: [String] = []
        var items: [String] = []
        var preformatted: [String] = []

        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph.joined(separator: " "))) }
            if !items.isEmpty { blocks.append(.list(items)) }
            if !preformatted.isEmpty { blocks.append(.preformatted(preformatted)) }
            paragraph = []
            items = []
            preformatted = []
        }

        var afterDivider = false
        for line in lines {
            let trimmed = line.trimmingWhitespace
            defer { afterDivider = isDivider(trimmed) }
            if trimmed.isEmpty || isDivider(trimmed) {
                flush()
            } else if afterDivider && isSectionTitle(trimmed) {
                // `# ----` then `# Macaroons`: the title of a section of the schema.
                flush()
                blocks.append(.heading(trimmed))
            } else if line.hasPrefix("    ") {
                if preformatted.isEmpty { flush() }
                preformatted.append(String(line.dropFirst(4)))
            } else if let heading = headingText(trimmed) {
                flush()
                blocks.append(.heading(heading))
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                if !paragraph.isEmpty || !preformatted.isEmpty { flush() }
                items.append(String(trimmed.dropFirst(2)))
            } else if !items.isEmpty && line.hasPrefix(" ") {
                items[items.count - 1] += " " + trimmed
            } else {
                if !items.isEmpty || !preformatted.isEmpty { flush() }
                paragraph.append(trimmed)
            }
        }
        flush()
        return blocks
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

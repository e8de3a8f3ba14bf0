import Preserves

/// How schema names become Swift names. Every generated identifier comes from here, so the
/// rules (case, sanitising, keyword escaping, collisions with generated members) live in one
/// place and are tested together.
public enum SwiftNames {
    /// Words that must be escaped with backticks to be used as member names.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super", "throws",
        "true", "try", "any", "some", "await", "async", "actor", "package", "consume", "copy", "borrowing",
        "consuming", "discard", "each", "macro", "nonisolated", "isolated", "indirect", "mutating",
        "nonmutating", "override", "required", "convenience", "dynamic", "final", "lazy", "optional",
        "weak", "unowned", "get", "set", "willSet", "didSet", "Type", "Protocol", "Any",
    ]

    /// Names that cannot name a nested type (`X.Type` and `X.Protocol` mean metatypes), or that
    /// generated code relies on.
    static let reservedTypeNames: Set<String> = ["Type", "Protocol", "Self", "Any", "Never", "Swift", "Preserves"]

    /// Names a top-level namespace enum cannot take: the modules generated code refers to.
    static let reservedNamespaceNames: Set<String> = ["Self", "Any", "Never", "Type", "Swift", "Preserves", "Foundation"]

    /// Member names that generated types already use.
    static let reservedMemberNames: Set<String> = ["preserves", "init", "self", "Type", "Protocol", "description", "hashValue"]

    /// A definition's type name: as written (schema names are UpperCamel by convention),
    /// sanitised to an identifier, with `_` appended where it would clash.
    public static func typeName(_ name: String) -> String {
        let id = identifier(fromParts: parts(of: name), lowerFirst: false, keepInnerCase: true)
        return reservedTypeNames.contains(id) ? id + "_" : id
    }

    /// A module's namespace enum: its path's parts, each capitalised, joined.
    public static func namespaceName(_ path: [String]) -> String {
        let id = identifier(fromParts: path.flatMap(parts(of:)), lowerFirst: false, keepInnerCase: true)
        return reservedNamespaceNames.contains(id) ? id + "_" : id
    }

    /// A field, case or function name: lowerCamelCase of the binding name or label.
    public static func memberName(_ name: String) -> String {
        let id = identifier(fromParts: parts(of: name), lowerFirst: true, keepInnerCase: true)
        return reservedMemberNames.contains(id) ? id + "_" : id
    }

    /// `name` as it must be written in source: keywords in backticks.
    public static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// Splits on every character that cannot be in an identifier (`-`, `/`, `.`, …).
    static func parts(of name: String) -> [String] {
        name.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
    }

    static func identifier(fromParts parts: [String], lowerFirst: Bool, keepInnerCase: Bool) -> String {
        var out = ""
        for (i, part) in parts.enumerated() where !part.isEmpty {
            if i == 0 && lowerFirst {
                out += lowercasedLeadingRun(part)
            } else {
                out += part.prefix(1).uppercased() + part.dropFirst()
            }
        }
        if out.isEmpty { out = "_" }
        if let first = out.unicodeScalars.first, ("0"..."9").contains(first) { out = "_" + out }
        return out
    }

    /// `Ref` → `ref`, `URLPath` → `urlPath`, `ABC` → `abc`, `dataspace` → `dataspace`.
    static func lowercasedLeadingRun(_ s: String) -> String {
        let chars = Array(s)
        var i = 0
        while i < chars.count && chars[i].isUppercase { i += 1 }
        if i == 0 { return s }
        if i == 1 || i == chars.count { return String(chars[..<i]).lowercased() + String(chars[i...]) }
        // Keep the last capital of the run: it starts the next word ("URLPath" → "urlPath").
        return String(chars[..<(i - 1)]).lowercased() + String(chars[(i - 1)...])
    }
}

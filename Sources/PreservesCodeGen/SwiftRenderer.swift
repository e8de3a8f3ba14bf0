/// Renders the Swift representation as text: four-space indentation, one blank line between
/// members that have bodies, deterministic output.
struct SwiftRenderer {
    func render(_ file: SwiftFile) -> String {
        var out: [String] = file.headerComments.map { "// " + $0 }
        out.append("")
        for module in file.imports { out.append("import \(module)") }
        for declaration in file.declarations {
            out.append("")
            render(declaration, indent: "", into: &out)
        }
        return out.joined(separator: "\n") + "\n"
    }

    func documentation(_ lines: [String], indent: String, into out: inout [String]) {
        for line in lines { out.append(line.isEmpty ? "\(indent)///" : "\(indent)/// \(line)") }
    }

    func render(_ declaration: SwiftDeclaration, indent: String, into out: inout [String]) {
        switch declaration {
        case .mark(let title):
            out.append("\(indent)// MARK: - \(title)")
        case .namespace(let access, let name, let docs):
            documentation(docs, indent: indent, into: &out)
            out.append("\(indent)\(access) enum \(name) {}")
        case .extensionBlock(let name, let members):
            out.append("\(indent)extension \(name) {")
            renderMembers(members, indent: indent + "    ", into: &out)
            out.append("\(indent)}")
        case .type(let t):
            documentation(t.documentation, indent: indent, into: &out)
            let conformances = t.conformances.isEmpty ? "" : ": " + t.conformances.joined(separator: ", ")
            out.append("\(indent)\(t.access) nonisolated \(t.kind.rawValue) \(t.name)\(t.generics)\(conformances) {")
            renderMembers(t.members, indent: indent + "    ", into: &out)
            out.append("\(indent)}")
        case .typeAlias(let docs, let access, let name, let generics, let target):
            documentation(docs, indent: indent, into: &out)
            out.append("\(indent)\(access) typealias \(name)\(generics) = \(target)")
        case .member(let docs, let signature, let body):
            documentation(docs, indent: indent, into: &out)
            render(.block(signature + " {", body), indent: indent, into: &out)
        case .line(let docs, let text):
            documentation(docs, indent: indent, into: &out)
            out.append(indent + text)
        }
    }

    func renderMembers(_ members: [SwiftDeclaration], indent: String, into out: inout [String]) {
        var previousWasLine = false
        for (i, member) in members.enumerated() {
            let isLine: Bool = if case .line(let docs, _) = member { docs.isEmpty } else { false }
            if i > 0 && !(isLine && previousWasLine) { out.append("") }
            render(member, indent: indent, into: &out)
            previousWasLine = isLine
        }
    }

    func render(_ code: CodeLine, indent: String, into out: inout [String]) {
        switch code {
        case .line(let text):
            out.append(indent + text)
        case .blank:
            out.append("")
        case .block(let header, let body, let close):
            out.append(indent + header)
            // `case` clauses line up with their `switch`, as Swift style has it.
            let bodyIndent = header.hasPrefix("switch ") ? indent : indent + "    "
            for line in body { render(line, indent: bodyIndent, into: &out) }
            if !close.isEmpty { out.append(indent + close) }
        }
    }
}

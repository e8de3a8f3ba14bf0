import Preserves
import PreservesCodeGen

extension SchemaChangeReport {
    /// The report as plain text, for a terminal or a file. Lines of wire-incompatible changes
    /// start with `!`; definitions are marked `+` (added), `-` (removed), `~` (changed) and `#`
    /// (comments changed).
    public var text: String {
        var out: [String] = []
        out.append("Schema changes: \(oldSource) → \(newSource)")
        if isEmpty {
            out.append("No changes to the schemas\(definitionChanges.isEmpty ? "" : " (comments changed only)").")
        }
        let s = summary
        out.append("Modules: \(s.modulesAdded) added, \(s.modulesRemoved) removed, \(s.modulesChanged) changed. "
            + "Definitions: \(s.definitionsAdded) added, \(s.definitionsRemoved) removed, \(s.definitionsChanged) changed"
            + (s.commentsChanged > 0 ? ", \(s.commentsChanged) with changed comments." : "."))
        out.append(s.wireIncompatible == 0
            ? "No wire-incompatible changes."
            : "Wire-incompatible: \(s.wireIncompatible) (lines marked !): peers built from the old and the new schemas cannot exchange these values.")
        for module in modules {
            out.append("")
            out.append("module \(module.dottedPath): \(module.status.rawValue)")
            if let e = module.embeddedType {
                out.append("! embeddedType: \(e.old ?? "#f") → \(e.new ?? "#f") (\(e.note ?? "changed"))")
            }
            for d in module.definitions {
                Self.append(d, to: &out)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func append(_ d: DefinitionChange, to out: inout [String]) {
        let bang = d.isWireIncompatible ? "!" : " "
        switch d.status {
        case .added:
            out.append("\(bang) + \(d.name.name) = \(d.newSource ?? "")")
            if let api = d.newSwift { out.append("      Swift: \(swiftSummary(api))") }
        case .removed:
            out.append("\(bang) - \(d.name.name) = \(d.oldSource ?? "")   [removed: wire-incompatible]")
            if let api = d.oldSwift { out.append("      Swift: \(api.declaration) removed") }
        case .documentation:
            out.append("\(bang) # \(d.name.name): comments changed")
        case .changed:
            out.append("\(bang) ~ \(d.name.name)")
            if d.oldSource != d.newSource {
                out.append("      was: \(d.oldSource ?? "")")
                out.append("      now: \(d.newSource ?? "")")
            } else {
                out.append("      schema unchanged; a definition it uses changed")
            }
            for difference in d.differences {
                out.append("\(difference.isWireIncompatible ? "!" : " ")     \(difference)")
            }
            if d.swiftChanges.isEmpty {
                out.append("      Swift: no API change (\(d.newSwift?.declaration ?? "no type"))")
            } else {
                out.append("      Swift: \(d.newSwift?.declaration ?? d.oldSwift?.declaration ?? "")")
                for change in d.swiftChanges { out.append("        \(change)") }
            }
        }
    }

    /// `struct Rpc.Ok<Embedded> { var value: Value<Embedded> }`.
    static func swiftSummary(_ api: SwiftDefinitionAPI) -> String {
        api.declaration + (api.members.isEmpty ? "" : " { " + api.members.map(\.description).joined(separator: "; ") + " }")
    }
}

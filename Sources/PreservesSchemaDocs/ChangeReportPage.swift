import Preserves
import PreservesCodeGen
import PreservesSchema

extension HTMLSiteRenderer {
    /// The change report as a page of the site: a summary, then a table per module of what
    /// was added, removed and changed, with wire-incompatible changes flagged. Definitions
    /// present in the new schemas link to their sections.
    func changesPage(_ site: SchemaDocumentation, _ report: SchemaChangeReport) -> String {
        page(site, title: "Changes — \(site.title)", current: .changes) { main in
            main.element("p", [("class", "breadcrumb")]) { p in
                p.element("a", [("href", SchemaDocumentation.indexFileName)], text: site.title)
                p.text(" › changes")
            }
            main.element("h1", text: "Changes")
            main.element("p", [("class", "lead")]) { p in
                p.text("From ")
                p.element("code", text: report.oldSource)
                p.text(" to ")
                p.element("code", text: report.newSource)
                p.text(".")
            }
            let s = report.summary
            main.element("ul", [("class", "summary")]) { ul in
                ul.element("li", text: "Modules: \(s.modulesAdded) added, \(s.modulesRemoved) removed, \(s.modulesChanged) changed.")
                ul.element("li", text: "Definitions: \(s.definitionsAdded) added, \(s.definitionsRemoved) removed, \(s.definitionsChanged) changed"
                    + (s.commentsChanged > 0 ? ", \(s.commentsChanged) with changed comments." : "."))
                ul.element("li", [("class", s.wireIncompatible > 0 ? "incompatible" : "compatible")]) { li in
                    if s.wireIncompatible == 0 {
                        li.text("No wire-incompatible changes.")
                    } else {
                        li.element("strong", text: "\(s.wireIncompatible) wire-incompatible")
                        li.text(" (marked below): peers built from the old and the new schemas cannot exchange these values.")
                    }
                }
            }
            if report.modules.isEmpty {
                main.element("p", text: "The two revisions define the same schemas.")
            }
            for module in report.modules {
                moduleChanges(module, site: site, into: main)
            }
        }
    }

    func moduleChanges(_ module: ModuleChange, site: SchemaDocumentation, into main: HTMLElement) {
        main.element("section", [("class", "module-change")]) { section in
            section.element("h2") { h2 in
                h2.element("span", [("class", "muted")], text: "module ")
                if let link = site.link(toModule: module.path) {
                    h2.element("a", [("href", link.href)], text: module.dottedPath)
                } else {
                    h2.text(module.dottedPath)
                }
                h2.text(" ")
                h2.element("span", [("class", "badge \(module.status.rawValue)")], text: module.status.rawValue)
            }
            if let e = module.embeddedType {
                section.element("p", [("class", "incompatible")]) { p in
                    p.element("span", [("class", "badge incompatible")], text: "wire-incompatible")
                    p.text(" embeddedType: ")
                    p.element("code", text: e.old ?? "#f")
                    p.text(" → ")
                    p.element("code", text: e.new ?? "#f")
                }
            }
            section.element("table", [("class", "changes")]) { table in
                table.element("thead") { thead in
                    thead.element("tr") { tr in
                        tr.element("th", [("scope", "col"), ("class", "mark")]) { th in
                            th.element("span", [("class", "visually-hidden")], text: "Change")
                        }
                        tr.element("th", [("scope", "col")], text: "Definition")
                        tr.element("th", [("scope", "col")], text: "What changed")
                    }
                }
                table.element("tbody") { tbody in
                    for definition in module.definitions {
                        definitionRow(definition, site: site, into: tbody)
                    }
                }
            }
        }
    }

    func definitionRow(_ d: DefinitionChange, site: SchemaDocumentation, into tbody: HTMLElement) {
        let marks: [DefinitionChange.Status: String] = [.added: "+", .removed: "−", .changed: "~", .documentation: "#"]
        let classes = d.status.rawValue + (d.isWireIncompatible ? " incompatible" : "")
        tbody.element("tr", [("class", classes)]) { tr in
            tr.element("td", [("class", "mark"), ("title", d.status.rawValue)], text: marks[d.status] ?? "")
            tr.element("th", [("scope", "row")]) { th in
                if d.status != .removed, let link = site.link(to: Schema.Ref(module: d.module, name: d.name)) {
                    th.element("a", [("href", link.href)], text: d.name.name)
                } else {
                    th.text(d.name.name)
                }
            }
            tr.element("td") { td in
                if d.isWireIncompatible {
                    td.element("span", [("class", "badge incompatible")], text: "wire-incompatible")
                    td.text(" ")
                }
                switch d.status {
                case .added:
                    td.text("added: ")
                    td.element("code", text: d.newSource ?? "")
                    if let api = d.newSwift { swiftLine(SchemaChangeReport.swiftSummary(api), into: td) }
                case .removed:
                    td.text("removed; was ")
                    td.element("code", text: d.oldSource ?? "")
                    if let api = d.oldSwift { swiftLine("\(api.declaration) removed", into: td) }
                case .documentation:
                    td.text("comments changed")
                case .changed:
                    if d.oldSource != d.newSource {
                        td.element("div", [("class", "was-now")]) { div in
                            div.text("was ")
                            div.element("code", text: d.oldSource ?? "")
                            div.element("br")
                            div.text("now ")
                            div.element("code", text: d.newSource ?? "")
                        }
                    } else {
                        td.element("div", text: "Unchanged in the schema; a definition it uses changed.")
                    }
                    if !d.differences.isEmpty {
                        td.element("ul", [("class", "differences")]) { ul in
                            for difference in d.differences {
                                ul.element("li", difference.isWireIncompatible ? [("class", "incompatible")] : [], text: difference.description)
                            }
                        }
                    }
                    if d.swiftChanges.isEmpty {
                        swiftLine("no API change", into: td)
                    } else {
                        td.element("div", [("class", "swift-change")]) { div in
                            div.element("span", [("class", "tag")], text: "Swift")
                            div.text(" ")
                            div.element("code", text: d.newSwift?.declaration ?? d.oldSwift?.declaration ?? "")
                            div.element("ul") { ul in
                                for change in d.swiftChanges { ul.element("li", text: change.description) }
                            }
                        }
                    }
                }
            }
        }
    }

    func swiftLine(_ text: String, into parent: HTMLElement) {
        parent.element("div", [("class", "swift-change")]) { div in
            div.element("span", [("class", "tag")], text: "Swift")
            div.text(" ")
            div.element("code", text: text)
        }
    }
}

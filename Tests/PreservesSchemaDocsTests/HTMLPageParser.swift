import CLibXML2
import Foundation

/// An HTML page parsed back with libxml2's HTML parser, reduced to what the tests check.
struct ParsedPage {
    /// Parser diagnostics other than HTML5 elements libxml2 2.9 does not know.
    var errors: [String] = []
    /// Every element's name, in document order.
    var elements: [String] = []
    /// Every `id`, in document order.
    var ids: [String] = []
    /// The text content of each element with an `id`.
    var textByID: [String: String] = [:]
    /// Every `href`.
    var hrefs: [String] = []
    /// Every `href` inside the `nav` element.
    var navigationHrefs: [String] = []
    var title = ""
    /// The whole text content of `body`.
    var bodyText = ""

    func count(_ element: String) -> Int { elements.filter { $0 == element }.count }
}

/// Parses HTML with libxml2 (`htmlReadMemory`), collecting its diagnostics.
enum HTMLPageParser {
    /// HTML5 elements libxml2 2.9's HTML4 parser reports as unknown (error 801) but parses fine.
    static let html5Elements: Set<String> = ["nav", "main", "section", "footer", "header", "article", "aside"]

    final class Diagnostics {
        var messages: [(code: Int32, line: Int32, message: String)] = []
    }

    static func parse(_ html: String, url: String) -> ParsedPage {
        xmlInitParser()
        let diagnostics = Diagnostics()
        let context = Unmanaged.passUnretained(diagnostics).toOpaque()
        // libxml2's error handler is per thread; the parse below runs synchronously on this one.
        xmlSetStructuredErrorFunc(context) { context, error in
            guard let context, let error else { return }
            let diagnostics = Unmanaged<Diagnostics>.fromOpaque(context).takeUnretainedValue()
            let message = error.pointee.message.map { String(cString: $0) } ?? "?"
            diagnostics.messages.append((Int32(error.pointee.code), Int32(error.pointee.line), message.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let bytes = Array(html.utf8)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                htmlReadMemory(chars.baseAddress, Int32(chars.count), url, "UTF-8", Int32(HTML_PARSE_NONET.rawValue))
            }
        }
        var page = ParsedPage()
        for d in diagnostics.messages {
            if d.code == 801, let tag = d.message.split(separator: " ").dropFirst().first, html5Elements.contains(String(tag)) { continue }
            page.errors.append("\(url):\(d.line): \(d.message) (code \(d.code))")
        }
        guard let document else {
            page.errors.append("\(url): libxml2 returned no document")
            return page
        }
        defer { xmlFreeDoc(document) }
        walk(xmlDocGetRootElement(document), inNavigation: false, into: &page)
        return page
    }

    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        let value = name.withCString { pointer in
            pointer.withMemoryRebound(to: xmlChar.self, capacity: name.utf8.count + 1) { xmlGetProp(node, $0) }
        }
        guard let value else { return nil }
        defer { clibxml2_free(value) }
        return String(cString: value)
    }

    static func text(_ node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { clibxml2_free(content) }
        return String(cString: content)
    }

    static func walk(_ node: xmlNodePtr?, inNavigation: Bool, into page: inout ParsedPage) {
        var current = node
        while let n = current {
            if n.pointee.type == XML_ELEMENT_NODE {
                let name = String(cString: n.pointee.name)
                page.elements.append(name)
                if let id = attribute(n, "id") {
                    page.ids.append(id)
                    page.textByID[id] = text(n)
                }
                if let href = attribute(n, "href") {
                    page.hrefs.append(href)
                    if inNavigation { page.navigationHrefs.append(href) }
                }
                if name == "title" { page.title = text(n) }
                if name == "body" { page.bodyText = text(n) }
                walk(n.pointee.children, inNavigation: inNavigation || name == "nav", into: &page)
            }
            current = n.pointee.next
        }
    }
}

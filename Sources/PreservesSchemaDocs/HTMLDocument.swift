import CLibXML2

/// An HTML5 document whose tree is a libxml2 document: elements, attributes and text are
/// libxml2 nodes, so escaping and well-formedness are libxml2's job, and serialization is
/// libxml2's HTML serializer.
///
/// The document owns its nodes; ``HTMLElement`` values refer into it and must not be used after
/// the document is gone.
final class HTMLDocument {
    private let document: htmlDocPtr
    /// The `<html>` element.
    let root: HTMLElement

    /// A document with `<!DOCTYPE html>` and an `<html lang=…>` root.
    init(language: String = "en") {
        LibXML2.initialize()
        guard let document = htmlNewDocNoDtD(nil, nil) else { fatalError("libxml2 could not allocate a document") }
        self.document = document
        _ = "html".withXMLString { name in xmlCreateIntSubset(document, name, nil, nil) }
        let html = HTMLElement.make("html", in: document)
        xmlDocSetRootElement(document, html.node)
        root = html
        root.setAttribute("lang", language)
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// A new element, not yet in the tree.
    func element(_ name: String) -> HTMLElement {
        HTMLElement.make(name, in: document)
    }

    /// The document as HTML text (libxml2's serializer, formatted; non-ASCII characters are
    /// written as character references, so the bytes are ASCII).
    func serialized() -> String {
        var buffer: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        htmlDocDumpMemoryFormat(document, &buffer, &size, 1)
        guard let buffer else { fatalError("libxml2 could not serialize a document") }
        defer { clibxml2_free(buffer) }
        return String(decoding: UnsafeBufferPointer(start: buffer, count: Int(size)), as: UTF8.self)
    }
}

/// An element of an ``HTMLDocument``.
struct HTMLElement {
    let node: xmlNodePtr
    let document: htmlDocPtr

    static func make(_ name: String, in document: htmlDocPtr) -> HTMLElement {
        let node = name.withXMLString { xmlNewDocNode(document, nil, $0, nil) }
        guard let node else { fatalError("libxml2 could not allocate an element") }
        return HTMLElement(node: node, document: document)
    }

    /// Appends a child element and returns it.
    @discardableResult
    func element(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil) -> HTMLElement {
        let child = HTMLElement.make(name, in: document)
        xmlAddChild(node, child.node)
        for (key, value) in attributes { child.setAttribute(key, value) }
        if let text { child.text(text) }
        return child
    }

    /// Appends a child element and fills it.
    @discardableResult
    func element(_ name: String, _ attributes: [(String, String)] = [], _ build: (HTMLElement) -> Void) -> HTMLElement {
        let child = element(name, attributes)
        build(child)
        return child
    }

    /// Appends a text node (escaped by the serializer).
    func text(_ content: String) {
        guard !content.isEmpty else { return }
        let textNode = content.htmlSafe.withXMLString { xmlNewDocText(document, $0) }
        guard let textNode else { fatalError("libxml2 could not allocate a text node") }
        xmlAddChild(node, textNode)
    }

    func setAttribute(_ name: String, _ value: String) {
        _ = name.withXMLString { n in value.htmlSafe.withXMLString { v in xmlSetProp(node, n, v) } }
    }
}

/// Process-wide libxml2 setup.
enum LibXML2 {
    /// Initializes the library once (it is not safe to do lazily from several threads).
    static func initialize() {
        _ = initialized
    }

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()
}

extension String {
    /// The text with the characters HTML cannot carry (NUL and other C0 controls but tab, line
    /// feed and carriage return) replaced by U+FFFD.
    var htmlSafe: String {
        guard unicodeScalars.contains(where: Self.isForbidden) else { return self }
        return String(String.UnicodeScalarView(unicodeScalars.map { Self.isForbidden($0) ? "\u{FFFD}" : $0 }))
    }

    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r") || scalar.value == 0x7F
    }

    /// Calls `body` with the string as a NUL-terminated `xmlChar` (UTF-8) buffer.
    func withXMLString<Result>(_ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
        withCString { pointer in
            pointer.withMemoryRebound(to: xmlChar.self, capacity: utf8.count + 1) { body($0) }
        }
    }
}

import Foundation
import PreservesCodeGen

/// One file of a documentation site.
public struct DocumentationFile: Sendable, Hashable {
    /// The file name, relative to the site's directory.
    public var name: String
    public var contents: String

    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}

/// Writes a rendered documentation site into a directory, touching only files whose bytes
/// change. A manifest (``manifestFileName``) records what was written, so that pages an earlier
/// run wrote and this one no longer produces (a module that went away) are removed; files the
/// writer did not write are never touched.
public struct DocumentationSiteWriter: Sendable {
    /// The manifest of the files the last run wrote, one name per line.
    public static let manifestFileName = ".preserves-schemac-docs"

    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// What a run did.
    public struct Report: Sendable, Hashable {
        public var written: [String] = []
        public var unchanged: [String] = []
        public var deleted: [String] = []
    }

    public func write(_ files: [DocumentationFile]) throws(DocumentationError) -> Report {
        let fm = FileManager.default
        var report = Report()
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DocumentationError(path: directory, message: "cannot create the directory: \(error.localizedDescription)")
        }
        let manifest = (directory as NSString).appendingPathComponent(Self.manifestFileName)
        let previous = (try? String(contentsOfFile: manifest, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            let data = Data(file.contents.utf8)
            if !OutputWriter.differs(data, fromFileAt: path) {
                report.unchanged.append(file.name)
                continue
            }
            do {
                try OutputWriter.write(data, toPath: path)
            } catch {
                throw DocumentationError(path: path, message: "cannot write: \(error.localizedDescription)")
            }
            report.written.append(file.name)
        }
        let current = Set(files.map(\.name))
        for name in previous where !current.contains(name) && !name.contains("/") && !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: path) else { continue }
            do {
                try fm.removeItem(atPath: path)
            } catch {
                throw DocumentationError(path: path, message: "cannot remove a page that is no longer generated: \(error.localizedDescription)")
            }
            report.deleted.append(name)
        }
        do {
            try Data((files.map(\.name).sorted().joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: manifest), options: .atomic)
        } catch {
            throw DocumentationError(path: manifest, message: "cannot write: \(error.localizedDescription)")
        }
        return report
    }
}

/// A documentation file that could not be written.
public struct DocumentationError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): error: \(message)" }
}

extension DocumentationSiteWriter {
    /// Renders `documentation` (``HTMLSiteRenderer``) and writes the site.
    public func write(_ documentation: SchemaDocumentation) throws(DocumentationError) -> Report {
        try write(HTMLSiteRenderer().render(documentation))
    }
}

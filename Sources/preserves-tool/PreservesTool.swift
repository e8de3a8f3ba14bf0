import ArgumentParser
import Foundation
import Preserves

@main
struct PreservesTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preserves-tool",
        abstract: "Convert and validate Preserves data in its text and binary syntaxes.",
        version: ToolkitVersion.current,
        subcommands: [Convert.self, Validate.self]
    )
}

/// Where input comes from and how to read it; shared by the subcommands.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "Input syntax: text, binary, or auto (sniff the first byte).")
    var from: InputSyntax = .auto

    @Option(name: .long, help: "Maximum nesting depth accepted in input.")
    var maxDepth: Int = ReaderLimits.default.maxDepth

    @Argument(help: "Files to read, one after another; standard input when none are given (or for \"-\").")
    var files: [String] = []

    /// Each input's name (for messages) and bytes.
    func inputs() throws -> [(name: String, bytes: [UInt8])] {
        if files.isEmpty { return [("<stdin>", readStandardInput())] }
        return try files.map { path in
            if path == "-" { return ("<stdin>", readStandardInput()) }
            do {
                return (path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            } catch let error as CocoaError {
                throw ToolError("\(path): cannot read file: \(Self.reason(error))")
            }
        }
    }

    /// Why a file could not be read, in the words of the system's error.
    private static func reason(_ error: CocoaError) -> String {
        if let posix = error.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        switch error.code {
        case .fileReadNoSuchFile: return "no such file"
        case .fileReadNoPermission: return "permission denied"
        default: return error.localizedDescription
        }
    }

    private func readStandardInput() -> [UInt8] {
        [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    }

    /// Reads the values in `bytes` one after another, in the syntax chosen by `--from`,
    /// handing each to `body` as soon as it is read: values before a malformed one are not lost.
    func forEachValue(_ bytes: [UInt8], name: String, keepAnnotations: Bool, _ body: (IOValue) -> Void) throws {
        // Local files are trusted: no size or integer-length limits, only the nesting depth asked for.
        let limits = ReaderLimits(maxDepth: maxDepth, maxSize: Int.max, maxIntegerDigits: Int.max)
        switch from.resolved(for: bytes) {
        case .binary:
            let reader = BinaryReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations)
            try bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    do throws(BinaryDecodingError) {
                        let (value, end) = try reader.decodePrefix(buffer, from: offset)
                        body(value)
                        offset = end
                    } catch {
                        throw ToolError("\(name): byte \(error.offset): \(error.message)")
                    }
                }
            }
        case .text, .auto:
            let reader = TextReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations)
            try bytes.withUnsafeBufferPointer { buffer in
                var offset = 0
                while true {
                    do throws(TextParseError) {
                        guard let (value, end) = try reader.decodePrefix(buffer, from: offset) else { return }
                        body(value)
                        offset = end
                    } catch {
                        throw ToolError("\(name):\(error.line):\(error.column): \(error.message)")
                    }
                }
            }
        }
    }
}

enum InputSyntax: String, ExpressibleByArgument, CaseIterable {
    case text, binary, auto

    /// Binary tags all lie in 0x80…0xBF, which never starts UTF-8 text.
    func resolved(for bytes: [UInt8]) -> InputSyntax {
        guard self == .auto else { return self }
        guard let first = bytes.first else { return .text }
        return (0x80...0xBF).contains(first) ? .binary : .text
    }
}

enum OutputSyntax: String, ExpressibleByArgument, CaseIterable {
    case text, binary
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert values between the text and binary syntaxes.",
        discussion: """
            Reads every value from the inputs and writes each one in the output syntax: text output \
            puts one value per line; binary output concatenates the encodings. Sets and dictionaries \
            are always written in canonical order.
            """
    )

    @OptionGroup var input: InputOptions

    @Option(name: .long, help: "Output syntax: text or binary.")
    var to: OutputSyntax = .text

    @Flag(name: .long, help: "Write the canonical form: no annotations (binary: canonical encoding).")
    var canonical = false

    @Option(name: .long, help: "Indent text output by this many spaces per level (default: one line per value).")
    var indent: Int?

    @Flag(name: .long, help: "Keep annotations and comments from the input in the output.")
    var annotations = false

    func validate() throws {
        if canonical && annotations {
            throw ValidationError("--canonical and --annotations cannot be combined: the canonical form has no annotations")
        }
        if let indent, indent < 0 { throw ValidationError("--indent must not be negative") }
        if indent != nil && to == .binary { throw ValidationError("--indent applies to text output only") }
    }

    func run() throws {
        var out = [UInt8]()
        let binary = BinaryWriter<IOEmbedded>(options: .init(keepAnnotations: annotations))
        let text = TextWriter<IOEmbedded>(options: .init(indent: indent, keepAnnotations: annotations))
        defer { FileHandle.standardOutput.write(Data(out)) }
        for (name, bytes) in try input.inputs() {
            try input.forEachValue(bytes, name: name, keepAnnotations: annotations) { value in
                switch to {
                case .binary:
                    binary.encode(value, into: &out)
                case .text:
                    out.append(contentsOf: text.write(value).utf8)
                    out.append(UInt8(ascii: "\n"))
                }
                if out.count >= 1 << 16 {
                    FileHandle.standardOutput.write(Data(out))
                    out.removeAll(keepingCapacity: true)
                }
            }
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that inputs hold well-formed Preserves values.",
        discussion: "Prints how many values each input holds; exits non-zero at the first malformed input."
    )

    @OptionGroup var input: InputOptions

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() throws {
        for (name, bytes) in try input.inputs() {
            var count = 0
            try input.forEachValue(bytes, name: name, keepAnnotations: false) { _ in count += 1 }
            if !quiet {
                let syntax = input.from.resolved(for: bytes) == .binary ? "binary" : "text"
                print("\(name): \(count) value\(count == 1 ? "" : "s") (\(syntax)), OK")
            }
        }
    }
}

/// A failure to report as one line on standard error, with exit status 1.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

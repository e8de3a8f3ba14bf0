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
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ToolError("\(path): cannot read file")
            }
            return (path, [UInt8](data))
        }
    }

    private func readStandardInput() -> [UInt8] {
        [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    }

    /// Reads every value in `bytes`, in the syntax chosen by `--from`.
    func readValues(_ bytes: [UInt8], name: String, keepAnnotations: Bool) throws -> [IOValue] {
        let limits = ReaderLimits(maxDepth: maxDepth, maxSize: Int.max)
        switch from.resolved(for: bytes) {
        case .binary:
            do {
                return try BinaryReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations).decodeAll(bytes)
            } catch {
                throw ToolError("\(name): byte \(error.offset): \(error.message)")
            }
        case .text, .auto:
            do {
                return try TextReader<IOEmbedded>(limits: limits, keepAnnotations: keepAnnotations).decodeAll(utf8: bytes)
            } catch {
                throw ToolError("\(name):\(error.line):\(error.column): \(error.message)")
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
        for (name, bytes) in try input.inputs() {
            for value in try input.readValues(bytes, name: name, keepAnnotations: annotations) {
                switch to {
                case .binary:
                    BinaryWriter<IOEmbedded>(options: .init(keepAnnotations: annotations)).encode(value, into: &out)
                case .text:
                    let writer = TextWriter<IOEmbedded>(options: .init(indent: indent, keepAnnotations: annotations))
                    out.append(contentsOf: writer.write(value).utf8)
                    out.append(UInt8(ascii: "\n"))
                }
            }
            FileHandle.standardOutput.write(Data(out))
            out.removeAll(keepingCapacity: true)
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
            let values = try input.readValues(bytes, name: name, keepAnnotations: false)
            if !quiet {
                let syntax = input.from.resolved(for: bytes) == .binary ? "binary" : "text"
                print("\(name): \(values.count) value\(values.count == 1 ? "" : "s") (\(syntax)), OK")
            }
        }
    }
}

/// A failure to report as one line on standard error, with exit status 1.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

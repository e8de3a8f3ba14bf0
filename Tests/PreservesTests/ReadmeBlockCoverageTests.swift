import Foundation
import Testing
import TestSupport

/// Every block of README.md other than Swift (ReadmeCodeBlockTests) is exercised by CI: shell
/// commands are run by `.ci/readme-commands` or `.ci/run`, the Python block is the script
/// `.ci/readme-commands` runs, and each plain block is checked against what it shows.
@Suite struct ReadmeBlockCoverageTests {
    /// The commands of a shell block or script: continuation lines joined, comments (a `#`
    /// starting a word outside quotes) removed, runs of blanks made one space.
    static func commands(_ lines: [String]) -> [String] {
        var joined: [String] = []
        var pending = ""
        for line in lines {
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                joined.append(pending + line)
                pending = ""
            }
        }
        if !pending.isEmpty { joined.append(pending) }
        return joined.map { withoutComment($0).split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
            .filter { !$0.isEmpty }
    }

    static func withoutComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        var out = ""
        for c in line {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "#" && (previous == " " || previous == "\t") {
                break
            }
            out.append(c)
            previous = c
        }
        return out
    }

    static func lines(of path: String) throws -> [String] {
        try String(contentsOfFile: SharedMaterial.repoPath(path), encoding: .utf8).components(separatedBy: "\n")
    }

    static func normalized(_ lines: [String]) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test func everyShellCommandIsRunByCI() throws {
        let scripts = try [".ci/run", ".ci/readme-commands"].flatMap { try Self.commands(Self.lines(of: $0)) }
        let blocks = try ReadmeBlock.all().filter { $0.language == "sh" }
        #expect(blocks.count >= 10)
        for block in blocks {
            for command in Self.commands(block.lines) {
                #expect(scripts.contains { $0.contains(command) }, "\(block): `\(command)` is run by neither .ci/run nor .ci/readme-commands")
            }
        }
    }

    @Test func thePythonBlockIsTheScriptCIRuns() throws {
        let script = Self.normalized(try Self.lines(of: "Tests/SyndicateRelayTests/Interop/readme_client.py"))
        for block in try ReadmeBlock.all().filter({ $0.language == "python" }) {
            let lines = Self.normalized(block.lines)
            #expect(script.suffix(lines.count) == ArraySlice(lines), "\(block) differs from Tests/SyndicateRelayTests/Interop/readme_client.py")
        }
    }

    /// Plain blocks, by their first line: who checks them.
    @Test func everyPlainBlockIsChecked() throws {
        for block in try ReadmeBlock.all().filter({ $0.language.isEmpty }) {
            switch block.lines.first {
            case "# config/main.pr":
                break  // run by SyndicateServerTests.ReadmeConfigBlockTests
            case "# config/routes.pr":
                break  // run by SyndicateRelayTests.RouteResolutionTests
            case "# federation/a.pr":
                break  // run by SyndicateRelayTests.FederationTests, with brokers b and c beside it
            case "module gatekeeper: changed":
                break  // compared with the dry run's report by PreservesSchemaDocsTests.ReadmeReportBlockTests
            case "externalModules: {":
                // An excerpt of the broker schemas' configuration, in order.
                var config = Self.normalized(try Self.lines(of: "Schemas/SyndicateServerSchemas/preserves-schemac.config.pr"))[...]
                for line in Self.normalized(block.lines) {
                    guard let i = config.firstIndex(of: line) else {
                        Issue.record("\(block): `\(line)` is not in Schemas/SyndicateServerSchemas/preserves-schemac.config.pr (in order)")
                        break
                    }
                    config = config[(i + 1)...]
                }
            case let first? where first.hasPrefix("Present = <Present") || first.hasPrefix("Greeting = <greeting"):
                // Definitions from the example programs' schemas, quoted as they are there.
                let schema = first.hasPrefix("Present") ? "Examples/dataspace-demo/demo.prs" : "Examples/hello-client/hello.prs"
                let definitions = Set(Self.normalized(try Self.lines(of: schema)))
                for line in Self.normalized(block.lines) where !definitions.contains(line) {
                    Issue.record("\(block): `\(line)` is not in \(schema)")
                }
            default:
                Issue.record("\(block) is checked by no test: add it to ReadmeBlockCoverageTests")
            }
        }
    }
}

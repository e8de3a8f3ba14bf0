import Foundation
import Testing
import TestSupport

/// Every Swift block in README.md is code that builds and runs: each appears, line for line,
/// in a source file of an example target or a test (its `import` lines anywhere in that file).
/// Change the README and the code together.
@Suite struct ReadmeCodeBlockTests {
    struct Block: CustomStringConvertible {
        var line: Int
        var language: String
        var lines: [String]
        var description: String { "README.md:\(line) (```\(language))" }
    }

    static func blocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else {
                    current = Block(line: i + 1, language: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), lines: [])
                }
            } else {
                current?.lines.append(line)
            }
        }
        return blocks
    }

    static func normalized(_ lines: [String]) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Swift sources that are compiled: the example targets, the tests and the fixture packages.
    static func sources() throws -> [(path: String, lines: [String])] {
        var out: [(String, [String])] = []
        for directory in ["Examples", "Tests"] {
            let root = SharedMaterial.repoPath(directory)
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { continue }
            for case let path as String in enumerator where path.hasSuffix(".swift") && !path.contains(".build/") {
                let text = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
                out.append((directory + "/" + path, normalized(text.components(separatedBy: "\n"))))
            }
        }
        return out
    }

    static func contains(_ haystack: [String], _ needle: [String]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }

    @Test func everySwiftBlockIsCompiledCode() throws {
        let readme = try String(contentsOfFile: SharedMaterial.repoPath("README.md"), encoding: .utf8)
        let swiftBlocks = Self.blocks(in: readme).filter { $0.language == "swift" }
        #expect(swiftBlocks.count >= 5)
        let sources = try Self.sources()
        for block in swiftBlocks {
            let lines = Self.normalized(block.lines)
            let imports = lines.filter { $0.hasPrefix("import ") }
            let body = lines.filter { !$0.hasPrefix("import ") }
            let home = sources.first { source in
                Self.contains(source.lines, body) && imports.allSatisfy { source.lines.contains($0) }
            }
            #expect(home != nil, "\(block) appears in no example or test source: put it in one, verbatim")
        }
    }
}

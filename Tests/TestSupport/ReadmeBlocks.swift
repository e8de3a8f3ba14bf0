import Foundation

/// The fenced code blocks of README.md, for the tests that check each block against the code
/// or scripts CI runs.
public struct ReadmeBlock: Sendable, CustomStringConvertible {
    /// The line of the opening fence.
    public var line: Int
    /// The fence's info string (`swift`, `sh`, …; empty for none).
    public var language: String
    public var lines: [String]

    public var description: String { "README.md:\(line) (```\(language))" }
    public var text: String { lines.joined(separator: "\n") }

    /// Every fenced block of README.md, in order.
    public static func all() throws -> [ReadmeBlock] {
        let text = try String(contentsOfFile: SharedMaterial.repoPath("README.md"), encoding: .utf8)
        var blocks: [ReadmeBlock] = []
        var current: ReadmeBlock?
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else {
                    current = ReadmeBlock(line: i + 1, language: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), lines: [])
                }
            } else {
                current?.lines.append(line)
            }
        }
        return blocks
    }
}

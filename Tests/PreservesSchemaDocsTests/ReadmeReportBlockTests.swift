import Foundation
import Testing
import TestSupport

/// The change report excerpt in README.md ("Following upstream") is what
/// `preserves-schemadoc upstream --dry-run` prints for the rs-2025 schemas: its lines, in order
/// (`...` stands for lines left out).
@Suite struct ReadmeReportBlockTests {
    @Test func theReadmeReportIsWhatTheDryRunPrints() async throws {
        let block = try #require(try ReadmeBlock.all().first { $0.language.isEmpty && $0.lines.first == "module gatekeeper: changed" })
        let tool = BuiltExecutables.path("preserves-schemadoc")
        try #require(FileManager.default.isExecutableFile(atPath: tool), "preserves-schemadoc is not built beside the tests (\(tool))")
        let result = try await ProcessRunner.run(tool, [
            "upstream", TestPaths.rs2025, "--schemas", TestPaths.repo("Schemas/SyndicateProtocols"), "--dry-run",
        ])
        #expect(result.status == 0)
        var report = result.output.components(separatedBy: "\n")[...]
        for line in block.lines where line != "..." && !line.isEmpty {
            guard let i = report.firstIndex(of: line) else {
                Issue.record("README.md:\(block.line): `\(line)` is not in the dry run's report (in order):\n\(result.output.prefix(3000))")
                return
            }
            report = report[(i + 1)...]
        }
    }
}

import Foundation
import Testing
import TestSupport

/// Builds Tests/PluginFixture — a package that uses PreservesSchemaPlugin through a path
/// dependency — and runs its checks. This is the build-tool plugin as a user meets it: .prs
/// files and a configuration file in a target, types available at build time.
@Suite struct PluginFixtureTests {
    @Test(.timeLimit(.minutes(20)))
    func fixturePackageBuildsWithThePluginAndPasses() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fixture = root.appendingPathComponent("Tests/PluginFixture").path
        let result = try await ProcessRunner.run("/usr/bin/env", ["swift", "run", "--package-path", fixture, "fixture-check"])
        let text = result.output
        let summary = text.split(separator: "\n").last { $0.hasPrefix("plugin fixture:") } ?? "no summary"
        print(summary)
        #expect(result.status == 0, "fixture build or checks failed:\n\(text.suffix(4000))")
        #expect(summary.hasSuffix("checks passed"))
    }
}

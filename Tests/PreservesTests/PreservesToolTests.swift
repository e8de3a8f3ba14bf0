import Foundation
import Testing
import TestSupport

/// The `preserves-tool` executable, built beside the tests.
@Suite struct PreservesToolTests {
    static var tool: String { BuiltExecutables.path("preserves-tool") }

    static func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "preserves-tool-\(UInt32.random(in: 0...UInt32.max)).pr"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func convertWritesTheValuesReadBeforeAnError() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool), "preserves-tool is not built beside the tests")
        let input = try Self.temporaryFile("1 2 [3")
        defer { try? FileManager.default.removeItem(atPath: input) }
        let result = try await ProcessRunner.run(Self.tool, ["convert", input])
        #expect(result.status != 0)
        #expect(result.output.hasPrefix("1\n2\n"))
        #expect(result.output.contains("\(input):1:7:"))
    }

    @Test func unreadableFilesSayWhy() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool), "preserves-tool is not built beside the tests")
        let missing = try await ProcessRunner.run(Self.tool, ["validate", "/nonexistent/file.pr"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("/nonexistent/file.pr: cannot read file: No such file or directory"))
        let directory = try await ProcessRunner.run(Self.tool, ["validate", NSTemporaryDirectory()])
        #expect(directory.output.contains("cannot read file: Is a directory"))
    }
}

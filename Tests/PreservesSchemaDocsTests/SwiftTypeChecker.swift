import Foundation
import TestSupport

/// Type-checks Swift files against the package's built `Preserves` module with `swiftc
/// -typecheck`, the way the `SyndicateProtocols` target compiles its generated code.
enum SwiftTypeChecker {
    /// The directory holding the built `Preserves.swiftmodule`: beside the running test
    /// product (`.build/<triple>/debug/Modules`), or the package's `.build/debug/Modules`.
    static func modulesDirectory() -> String? {
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates += [directory.appendingPathComponent("Modules"), directory]
            directory = directory.deletingLastPathComponent()
        }
        let build = TestPaths.repositoryRoot.appendingPathComponent(".build/debug")
        candidates += [build.appendingPathComponent("Modules"), build]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Preserves.swiftmodule").path) }?.path
    }

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `swiftc -typecheck` on `files` as module `moduleName` in Swift 6 mode with the
    /// package's upcoming features.
    static func typecheck(_ files: [String], moduleName: String, modules: String) async throws -> Result {
        let result = try await ProcessRunner.run("/usr/bin/env", [
            "swiftc", "-typecheck", "-swift-version", "6",
            "-enable-upcoming-feature", "ExistentialAny", "-enable-upcoming-feature", "MemberImportVisibility",
            "-module-name", moduleName, "-I", modules,
        ] + files)
        return Result(status: result.status, output: result.output)
    }
}

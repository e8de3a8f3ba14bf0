import Foundation

/// Locations of the shared, read-only test material beside the repository.
enum Shared {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` from the repository root, or `$SYNDICATE_SHARED_DIR` when set.
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["SYNDICATE_SHARED_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(relative)))
    }

    static func repoPath(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }
}

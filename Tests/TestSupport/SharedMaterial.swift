import Foundation

/// Where the tests find the repository and the shared, read-only test material beside it.
public enum SharedMaterial {
    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` from the repository root, or `$SYNDICATE_SHARED_DIR` when set.
    public static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["SYNDICATE_SHARED_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    public static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// A path in the shared material.
    public static func path(_ relativePath: String) -> String { url(relativePath).path }

    /// A path in the repository.
    public static func repoPath(_ relativePath: String) -> String { repositoryRoot.appendingPathComponent(relativePath).path }

    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relativePath)))
    }

    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }
}

import Foundation

/// Locations of the shared, read-only test material beside the repository.
enum SharedMaterial {
    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` from the repository root, or `$SYNDICATE_SHARED_DIR` when set.
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["SYNDICATE_SHARED_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relativePath)))
    }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }
}

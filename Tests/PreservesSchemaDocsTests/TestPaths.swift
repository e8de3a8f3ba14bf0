import Foundation

/// Where the tests find the repository and the shared test material.
enum TestPaths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` from the repository root, or `$SYNDICATE_SHARED_DIR` when set.
    static let shared: URL = {
        if let override = ProcessInfo.processInfo.environment["SYNDICATE_SHARED_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func repo(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

    static func shared(_ relative: String) -> String { shared.appendingPathComponent(relative).path }

    static let py0193 = shared("upstream/syndicate-protocols/py-0.19.3/schemas")
    static let rs2025 = shared("upstream/syndicate-protocols/rs-2025/schemas")

    /// A fresh temporary directory, removed by `cleanup`.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

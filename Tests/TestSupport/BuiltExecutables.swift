import Foundation

/// The package's executables, which `swift test` builds beside the test bundle.
public enum BuiltExecutables {
    /// The directory the test bundle runs from.
    public static let directory: URL = URL(fileURLWithPath: CommandLine.arguments[0])
        .resolvingSymlinksInPath().deletingLastPathComponent()

    /// The path of the executable `name` built beside the tests.
    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

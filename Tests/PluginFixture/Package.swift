// swift-tools-version: 6.1
// A package that uses PreservesSchemaPlugin the way a user would: through a path dependency,
// with .prs files and a configuration file in a target. `swift run fixture-check` proves the
// plugin path works end to end.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which depends on where the repository
// was cloned, so compute it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let toolkit = root.lastPathComponent.lowercased()

let package = Package(
    name: "PluginFixture",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: root.path)],
    targets: [
        .target(
            name: "FixtureSchemas",
            dependencies: [
                .product(name: "Preserves", package: toolkit),
                .product(name: "SyndicateProtocols", package: toolkit),
            ],
            plugins: [.plugin(name: "PreservesSchemaPlugin", package: toolkit)]
        ),
        .target(
            name: "PlainSchemas",
            dependencies: [.product(name: "Preserves", package: toolkit)],
            plugins: [.plugin(name: "PreservesSchemaPlugin", package: toolkit)]
        ),
        .executableTarget(
            name: "fixture-check",
            dependencies: [
                "FixtureSchemas",
                "PlainSchemas",
                .product(name: "Preserves", package: toolkit),
                .product(name: "Syndicate", package: toolkit),
                .product(name: "SyndicateProtocols", package: toolkit),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

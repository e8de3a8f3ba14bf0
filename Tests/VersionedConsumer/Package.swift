// swift-tools-version: 6.1
// A user's package that depends on swift-syndicate by version, as `.ci/versioned-dependency`
// sets it up: a bare clone of the repository, tagged, at $SWIFT_SYNDICATE_URL. Building it
// proves the library targets carry no unsafe flags and the plugin works from a versioned
// dependency.
import PackageDescription

let url = Context.environment["SWIFT_SYNDICATE_URL"] ?? "https://github.com/syndicate-lang/swift-syndicate"

let package = Package(
    name: "VersionedConsumer",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: url, from: "0.1.0")],
    targets: [
        .target(
            name: "VersionedSchemas",
            dependencies: [
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
            ],
            plugins: [.plugin(name: "PreservesSchemaPlugin", package: "swift-syndicate")]
        ),
        .executableTarget(
            name: "versioned-consumer",
            dependencies: [
                "VersionedSchemas",
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "Syndicate", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

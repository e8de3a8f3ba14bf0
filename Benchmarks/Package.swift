// swift-tools-version: 6.1
import PackageDescription

// Throughput benchmarks for swift-syndicate, kept in their own package so that the library's
// own build and tests never pay for them. Run from the repository root:
//
//     swift run -c release --package-path Benchmarks preserves-benchmarks [suite-filter] [--quick]
//
// Tools version 6.1 like the root package: the root's build-tool plugin uses PackagePlugin API
// (`directoryURL`) that is available only to packages of tools version 6.1 or later.

let package = Package(
    name: "swift-syndicate-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-syndicate", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "preserves-benchmarks",
            dependencies: [
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "PreservesSchema", package: "swift-syndicate"),
                .product(name: "PreservesCodeGen", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
                .product(name: "Syndicate", package: "swift-syndicate"),
                .product(name: "SyndicateNIO", package: "swift-syndicate"),
                .product(name: "SyndicateServer", package: "swift-syndicate"),
                .product(name: "SyndicateExamples", package: "swift-syndicate"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

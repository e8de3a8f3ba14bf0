// swift-tools-version: 6.1
import PackageDescription

// Throughput benchmarks for swift-syndicate, kept in their own package so that the library's
// own build and tests never pay for them. Run from the repository root:
//
//     swift run -c release --package-path Benchmarks preserves-benchmarks [suite-filter] [--quick]
//
// and the broker's stress suite (abuse, churn, slow consumers, mass assertions, fd exhaustion,
// SIGTERM under load) against the real `syndicate-server` release binary:
//
//     swift run -c release --package-path Benchmarks syndicate-stress [scenario …] [--quick]
//
// Tools version 6.1 like the root package: the root's build-tool plugin uses PackagePlugin API
// (`directoryURL`) that is available only to packages of tools version 6.1 or later.

let package = Package(
    name: "swift-syndicate-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-syndicate", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    ],
    targets: [
        // Child processes, free ports, blocking sockets and /proc readings, shared by both tools.
        .target(
            name: "BenchmarkSupport",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
        // The example programs' shared code (Examples/SyndicateExamples, through a symlink), which
        // the broker suite's roles run: compiled here, so that the root package need not make it
        // a product.
        .target(
            name: "BenchmarkExamples",
            dependencies: [
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
                .product(name: "Syndicate", package: "swift-syndicate"),
                .product(name: "SyndicateNIO", package: "swift-syndicate"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ],
            plugins: [.plugin(name: "PreservesSchemaPlugin", package: "swift-syndicate")]
        ),
        .executableTarget(
            name: "preserves-benchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "PreservesSchema", package: "swift-syndicate"),
                .product(name: "PreservesCodeGen", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
                .product(name: "Syndicate", package: "swift-syndicate"),
                .product(name: "SyndicateNIO", package: "swift-syndicate"),
                .product(name: "SyndicateServer", package: "swift-syndicate"),
                .product(name: "SyndicateChannels", package: "swift-syndicate"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                "BenchmarkExamples",
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
        // The stress suite. It depends on the root's `syndicate-server` executable product only so
        // that the same `swift run -c release` builds it: the suite runs that binary (found next to
        // its own executable) as a separate process, whose memory and CPU time it reads from /proc.
        .executableTarget(
            name: "syndicate-stress",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
                .product(name: "Syndicate", package: "swift-syndicate"),
                .product(name: "syndicate-server", package: "swift-syndicate"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

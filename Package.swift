// swift-tools-version: 6.0
import PackageDescription

/// Settings every target shares: Swift 6 language mode with the upcoming features that keep
/// dependencies and existential types explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-syndicate",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Preserves", targets: ["Preserves"]),
        .executable(name: "preserves-tool", targets: ["preserves-tool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Preserves",
            dependencies: [.product(name: "BigInt", package: "BigInt")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "preserves-tool",
            dependencies: [
                "Preserves",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PreservesTests",
            dependencies: ["Preserves", .product(name: "BigInt", package: "BigInt")],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

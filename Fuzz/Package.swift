// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for every parser in swift-syndicate. This package is never a dependency of
// anything: it depends on the root package by path and adds no settings to it. The sanitizer
// flags are given on the command line by `Fuzz/run` (see there), so every module in the build
// (the root package's and its dependencies') is instrumented for coverage and checked by
// AddressSanitizer, and nothing here needs `unsafeFlags`.
//
// Each fuzzer is an ordinary executable target with a `main.swift` that hands its test function
// to libFuzzer's `LLVMFuzzerRunDriver` (FuzzSupport). That keeps SwiftPM's usual entry point
// (on Linux it renames an executable's `main` to `<module>_main` and maps it back at link time,
// which a `-parse-as-library` target with only `LLVMFuzzerTestOneInput` would not satisfy).

let package = Package(
    name: "swift-syndicate-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-syndicate", path: ".."),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "Preserves", package: "swift-syndicate")]),
        // Preserves binary syntax: BinaryReader, BinaryStreamDecoder (and so BinaryFrameScanner).
        .executableTarget(name: "fuzz-binary", dependencies: [
            "FuzzSupport", .product(name: "Preserves", package: "swift-syndicate"),
        ]),
        // Preserves text syntax: TextReader (decodePrefix on raw bytes, decodeAll on UTF-8).
        .executableTarget(name: "fuzz-text", dependencies: [
            "FuzzSupport", .product(name: "Preserves", package: "swift-syndicate"),
        ]),
        // The relay's PacketFramer: input fed whole and in pieces must frame the same values.
        .executableTarget(name: "fuzz-framer", dependencies: [
            "FuzzSupport",
            .product(name: "Preserves", package: "swift-syndicate"),
            .product(name: "SyndicateProtocols", package: "swift-syndicate"),
            .product(name: "Syndicate", package: "swift-syndicate"),
        ]),
        // Schema source (.prs) → SchemaModule, then SchemaChecker and the Swift generator.
        .executableTarget(name: "fuzz-schema", dependencies: [
            "FuzzSupport",
            .product(name: "Preserves", package: "swift-syndicate"),
            .product(name: "PreservesSchema", package: "swift-syndicate"),
            .product(name: "PreservesCodeGen", package: "swift-syndicate"),
        ]),
        // syndicate-server's configuration scripts: parse, then run in a synchronous actor world.
        // The script language is compiled here from the broker's own sources (Sources/
        // SyndicateServerScript is a symbolic link to ../Sources/SyndicateServer/Script, which
        // needs only Preserves and Syndicate), so the fuzz build skips swift-nio, which the rest
        // of SyndicateServer needs and which would more than double the build time.
        .target(
            name: "SyndicateServerScript",
            dependencies: [
                .product(name: "Preserves", package: "swift-syndicate"),
                .product(name: "SyndicateProtocols", package: "swift-syndicate"),
                .product(name: "Syndicate", package: "swift-syndicate"),
            ]
        ),
        .executableTarget(name: "fuzz-script", dependencies: [
            "FuzzSupport", "SyndicateServerScript",
            .product(name: "Preserves", package: "swift-syndicate"),
            .product(name: "Syndicate", package: "swift-syndicate"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)

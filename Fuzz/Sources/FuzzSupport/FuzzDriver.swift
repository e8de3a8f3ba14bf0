#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer's entry point for programs that keep their own `main` (compiler-rt's
/// `FuzzerInterface.h`): it parses libFuzzer's command line and calls `callback` once per input.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The test function of this process (one per fuzzer binary), set once before libFuzzer starts.
nonisolated(unsafe) private var currentTest: ((UnsafeRawBufferPointer) -> Void)?

/// Runs libFuzzer with `test` as the function under test, then exits with libFuzzer's status.
///
/// `test` reports a failed oracle with ``check(_:_:)`` or ``fail(_:)``: both trap, and libFuzzer
/// records the input as a crash. Returning normally means the input was handled correctly
/// (which includes the parser rejecting it with an error).
public func runFuzzer(_ test: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
    currentTest = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        currentTest!(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
    exit(status)
}

/// Stops the process with `message`: libFuzzer saves the input as a crash artifact.
public func fail(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = "FUZZ ORACLE FAILED (\(file):\(line)): \(message())\n"
    var bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + written, $0.count - written) }
        if n <= 0 { break }
        written += n
    }
    bytes.removeAll()
    abort()
}

/// Fails with `message` unless `condition` holds.
@inline(__always)
public func check(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fail(message(), file: file, line: line) }
}

/// Bytes as space-separated hex, for messages.
public func hex(_ bytes: some Sequence<UInt8>, limit: Int = 256) -> String {
    var out: [String] = []
    for (i, b) in bytes.enumerated() {
        if i == limit { out.append("…"); break }
        out.append(String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16))
    }
    return out.joined(separator: " ")
}

/// A small deterministic PRNG (SplitMix64), seeded from the input so that each input always
/// takes the same path.
public struct SplitMix64 {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// FNV-1a of `bytes`, as a seed.
    public init(hashing bytes: UnsafeRawBufferPointer) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        state = h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Cut points that split `count` bytes into pieces: mostly small (1–8 bytes, to stop at every
/// boundary inside a token), sometimes larger, sometimes empty.
public func splitPoints(count: Int, using rng: inout SplitMix64) -> [Int] {
    var points: [Int] = []
    var at = 0
    while at < count {
        let size: Int
        switch rng.below(8) {
        case 0: size = 0
        case 1, 2: size = 1
        case 3, 4, 5: size = 1 + rng.below(8)
        default: size = 1 + rng.below(64)
        }
        at = min(count, at + size)
        points.append(at)
    }
    return points
}

/// Reads an environment variable as an integer.
public func environmentInt(_ name: String, default value: Int) -> Int {
    guard let raw = getenv(name), let n = Int(String(cString: raw)) else { return value }
    return n
}

/// libFuzzer's usual entry point. `runFuzzer` passes its callback to `LLVMFuzzerRunDriver`
/// directly; this definition satisfies libFuzzer's own `main` where the linker keeps it (debug
/// builds), and runs the same test.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let test = currentTest else { fail("LLVMFuzzerTestOneInput called before runFuzzer") }
    test(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

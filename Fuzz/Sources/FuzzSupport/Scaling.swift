#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Inputs that describe large inputs, to find work that grows faster than the input.
///
/// libFuzzer explores small inputs; a parser that is quadratic in the length of a number or of a
/// line takes microseconds on them. An input of the form
///
///     0x00 PREFIX 0x00 MIDDLE 0x00 SUFFIX
///
/// (three NUL bytes, `MIDDLE` not empty) stands for `PREFIX + MIDDLE × n + SUFFIX`. The fuzzer
/// then measures the parser on two sizes, n and 8n, and fails if the larger took far longer per
/// byte: ``checkLinear(_:_:_:)``. Ratios of CPU time rather than absolute times keep the check
/// meaningful on a loaded machine.
public struct ScaledInput {
    public var prefix: [UInt8]
    public var middle: [UInt8]
    public var suffix: [UInt8]

    /// The total size of the larger expansion, `FUZZ_SCALE_BYTES` (default 128 KiB).
    public static let largeSize = environmentInt("FUZZ_SCALE_BYTES", default: 128 << 10)

    /// Splits `data` if it has the scaled form.
    public init?(_ data: UnsafeRawBufferPointer) {
        guard data.count >= 4, data[0] == 0 else { return nil }
        let rest = data[1...]
        guard let first = rest.firstIndex(of: 0) else { return nil }
        guard let second = rest[(first + 1)...].firstIndex(of: 0) else { return nil }
        prefix = Array(rest[..<first])
        middle = Array(rest[(first + 1)..<second])
        suffix = Array(rest[(second + 1)...])
        if middle.isEmpty { return nil }
    }

    /// The expansion with `copies` copies of the middle.
    public func expanded(copies: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(prefix.count + middle.count * copies + suffix.count)
        out.append(contentsOf: prefix)
        for _ in 0..<copies { out.append(contentsOf: middle) }
        out.append(contentsOf: suffix)
        return out
    }

    /// The small and the large expansion (8× as many copies).
    public func pair() -> (small: [UInt8], large: [UInt8]) {
        let copies = max(8, Self.largeSize / middle.count)
        return (expanded(copies: copies / 8), expanded(copies: copies))
    }
}

/// Seconds of this thread's CPU time taken by `body` (CPU time, not wall time: other work on a
/// busy machine does not count).
public func measure(_ body: () -> Void) -> Double {
    var start = timespec()
    var end = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
    body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
    return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
}

/// Runs `work` on the small and the large expansion of `scaled` and fails if the time per byte
/// grew with the input. `work` returns how many bytes of its input it got through (all of them,
/// or up to the error that stopped it), so that a large input that goes further than the small
/// one before failing is compared fairly; if the small one stops in its first half, its time
/// says nothing and nothing is checked.
///
/// A linear parser spends about the same time per byte on both; a quadratic one 8× as much on
/// the large input. The check fails above 3× (and more than a tenth of a second in all). A
/// suspicious ratio is measured twice more (the least time of each size counts), so one
/// hiccup does not fail the run.
public func checkLinear(_ scaled: ScaledInput, _ what: String, _ work: ([UInt8]) -> Int) {
    let (small, large) = scaled.pair()
    var consumedSmall = 0
    var consumedLarge = 0
    var tSmall = measure { consumedSmall = work(small) }
    guard consumedSmall >= small.count / 2 else { return }
    var tLarge = measure { consumedLarge = work(large) }
    // A large input refused early (an integer over ReaderLimits.maxIntegerDigits, say) is not
    // a measure of the parser's speed: only inputs read through are compared.
    guard consumedLarge >= large.count / 2 else { return }
    func suspicious() -> Bool {
        tLarge > 0.1 && tLarge / Double(max(consumedLarge, 1)) > 3 * tSmall / Double(max(consumedSmall, 1))
    }
    for _ in 0..<2 where suspicious() {
        tSmall = min(tSmall, measure { _ = work(small) })
        tLarge = min(tLarge, measure { _ = work(large) })
    }
    if suspicious() {
        fail("""
            \(what) is superlinear: \(consumedSmall) bytes took \(Int(tSmall * 1000)) ms, \
            \(consumedLarge) bytes took \(Int(tLarge * 1000)) ms \
            (prefix \(hex(scaled.prefix, limit: 32)), middle \(hex(scaled.middle, limit: 32)) repeated, \
            suffix \(hex(scaled.suffix, limit: 32)))
            """)
    }
}

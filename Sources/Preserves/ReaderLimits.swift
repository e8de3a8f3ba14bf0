/// Bounds on untrusted input, shared by the binary and text readers.
///
/// A reader that hits a limit fails with a `limitExceeded` error instead of exhausting the stack
/// or allocating without bound.
public struct ReaderLimits: Sendable, Hashable {
    /// The deepest nesting of compounds, embeddeds and annotations allowed.
    public var maxDepth: Int
    /// The most bytes one value (including its annotations) may occupy in its encoding.
    public var maxSize: Int
    /// The most decimal digits an integer may have in text (leading zeros count; a sign does
    /// not). In binary, an integer may take ``maxIntegerBytes``: enough for any integer of
    /// this many digits.
    ///
    /// Converting between decimal digits and binary costs more than linear time (about
    /// n^1.6 for n digits: 100,000 digits take milliseconds, 800,000 about a tenth of a
    /// second), so a few huge integers could otherwise cost far more to read, or to print as
    /// text, than their size suggests.
    public var maxIntegerDigits: Int

    public init(
        maxDepth: Int = ReaderLimits.default.maxDepth,
        maxSize: Int = ReaderLimits.default.maxSize,
        maxIntegerDigits: Int = ReaderLimits.default.maxIntegerDigits
    ) {
        self.maxDepth = maxDepth
        self.maxSize = maxSize
        self.maxIntegerDigits = maxIntegerDigits
    }

    /// 256 levels, 256 MiB and 100,000-digit integers: generous for data, small enough to keep
    /// readers on a secondary thread's stack and integer conversion to milliseconds.
    public static let `default` = ReaderLimits(maxDepth: 256, maxSize: 256 << 20, maxIntegerDigits: 100_000)

    /// No size limits and the default depth limit, for trusted local files.
    public static let trusted = ReaderLimits(maxDepth: 256, maxSize: Int.max, maxIntegerDigits: Int.max)

    /// The most bytes of two's complement an integer may take in binary: the bytes needed for
    /// any integer of ``maxIntegerDigits`` decimal digits (with its sign bit). A few integers
    /// that fit have one or two digits more than that.
    public var maxIntegerBytes: Int {
        if maxIntegerDigits <= 0 { return 0 }
        // Past 2^60 digits no buffer could hold the integer anyway.
        if maxIntegerDigits >= 1 << 60 { return Int.max }
        // bits = ⌈digits · log2(10)⌉ (rounded up, generously), plus a sign bit.
        let bits = (Double(maxIntegerDigits) * 3.321_928_094_887_362_4).rounded(.up) + 1
        return Int((bits / 8).rounded(.up))
    }
}

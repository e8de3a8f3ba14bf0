/// Bounds on untrusted input, shared by the binary and text readers.
///
/// A reader that hits a limit fails with a `limitExceeded` error instead of exhausting the stack
/// or allocating without bound.
public struct ReaderLimits: Sendable, Hashable {
    /// The deepest nesting of compounds, embeddeds and annotations allowed.
    public var maxDepth: Int
    /// The most bytes one value (including its annotations) may occupy in its encoding.
    public var maxSize: Int

    public init(maxDepth: Int = ReaderLimits.default.maxDepth, maxSize: Int = ReaderLimits.default.maxSize) {
        self.maxDepth = maxDepth
        self.maxSize = maxSize
    }

    /// 256 levels and 256 MiB: generous for data, small enough to keep readers on a
    /// secondary thread's stack.
    public static let `default` = ReaderLimits(maxDepth: 256, maxSize: 256 << 20)

    /// No size limit and the default depth limit, for trusted local files.
    public static let trusted = ReaderLimits(maxDepth: 256, maxSize: Int.max)
}

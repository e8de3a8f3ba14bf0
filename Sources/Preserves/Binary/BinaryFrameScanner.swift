/// Finds where the next complete binary value ends in a growing buffer, without decoding it.
///
/// Network readers receive values in pieces. The scanner walks tags and lengths only, keeps
/// its place between calls (so each byte is scanned once however the input is split), and
/// enforces ``ReaderLimits`` before any payload is buffered in full. It reports three outcomes:
/// a complete frame of known length, "need more bytes", or a typed error for input that can
/// never become valid. Full validation happens when the frame is decoded.
public struct BinaryFrameScanner: Sendable {
    private enum Frame: Sendable {
        /// A record, sequence, set or dictionary: open until an end marker.
        case compound
        /// An annotation (two values follow) or embedded (one value follows).
        case prefix(remaining: Int)
    }

    public var limits: ReaderLimits
    /// Bytes of the current frame examined so far.
    public private(set) var scanned = 0
    private var stack: [Frame] = []

    public init(limits: ReaderLimits = .default) {
        self.limits = limits
    }

    /// Forgets the current frame, to scan a new one from the next byte.
    public mutating func reset() {
        scanned = 0
        stack.removeAll(keepingCapacity: true)
    }

    /// Continues scanning the frame that starts at `buffer[0]`.
    ///
    /// `buffer` must hold the same leading bytes on every call until a frame is returned (it
    /// may have grown). Returns the frame's length once it is complete, and `nil` while more
    /// bytes are needed. After a frame is returned, call ``reset()`` before scanning the next.
    public mutating func scan(_ buffer: UnsafeRawBufferPointer) throws(BinaryDecodingError) -> Int? {
        while scanned < buffer.count {
            let at = scanned
            let tag = buffer[at]
            switch tag {
            case BinaryTag.false, BinaryTag.true:
                scanned += 1
                if completeValue() { return scanned }
            case BinaryTag.double, BinaryTag.signedInteger, BinaryTag.string, BinaryTag.byteString, BinaryTag.symbol:
                guard let (length, headerSize) = try readLength(buffer, at: at + 1) else { return nil }
                // Saturating: a huge claimed length must not overflow.
                let (sum, overflow) = (at + 1 + headerSize).addingReportingOverflow(length)
                let end = overflow ? Int.max : sum
                if end > limits.maxSize {
                    throw BinaryDecodingError(.limitExceeded, at: at, "value exceeds the size limit of \(limits.maxSize) bytes")
                }
                if end > buffer.count { return nil }
                scanned = end
                if completeValue() { return scanned }
            case BinaryTag.record, BinaryTag.sequence, BinaryTag.set, BinaryTag.dictionary:
                try push(.compound, at: at)
                scanned += 1
            case BinaryTag.annotation:
                try push(.prefix(remaining: 2), at: at)
                scanned += 1
            case BinaryTag.embedded:
                try push(.prefix(remaining: 1), at: at)
                scanned += 1
            case BinaryTag.end:
                guard case .compound? = stack.last else {
                    throw BinaryDecodingError(.malformed, at: at, "end marker where a value should start")
                }
                stack.removeLast()
                scanned += 1
                if completeValue() { return scanned }
            default:
                throw BinaryDecodingError(.malformed, at: at, "invalid tag 0x\(String(tag, radix: 16))")
            }
            if scanned > limits.maxSize {
                throw BinaryDecodingError(.limitExceeded, at: at, "value exceeds the size limit of \(limits.maxSize) bytes")
            }
        }
        return nil
    }

    private mutating func push(_ frame: Frame, at offset: Int) throws(BinaryDecodingError) {
        if stack.count >= limits.maxDepth {
            throw BinaryDecodingError(.limitExceeded, at: offset, "nesting deeper than \(limits.maxDepth)")
        }
        stack.append(frame)
    }

    /// Records that a value just ended; returns true when that completes the whole frame.
    private mutating func completeValue() -> Bool {
        while case .prefix(let remaining)? = stack.last {
            if remaining > 1 {
                stack[stack.count - 1] = .prefix(remaining: remaining - 1)
                return false
            }
            stack.removeLast()
        }
        return stack.isEmpty
    }

    /// Reads a length at `offset`: its value and how many bytes it took, or `nil` if incomplete.
    private func readLength(
        _ buffer: UnsafeRawBufferPointer, at offset: Int
    ) throws(BinaryDecodingError) -> (Int, Int)? {
        var result = 0
        var shift = 0
        var i = offset
        while i < buffer.count {
            let b = buffer[i]
            if shift >= 63 || (shift == 56 && b > 0x7F) {
                throw BinaryDecodingError(.limitExceeded, at: offset, "length is too large")
            }
            result |= Int(b & 0x7F) << shift
            i += 1
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    throw BinaryDecodingError(.malformed, at: offset, "non-minimal length encoding")
                }
                if result > limits.maxSize {
                    throw BinaryDecodingError(.limitExceeded, at: offset, "length \(result) exceeds the size limit")
                }
                return (result, i - offset)
            }
            shift += 7
        }
        return nil
    }
}

/// Decodes a stream of concatenated binary values that arrives in pieces.
///
/// ```swift
/// var decoder = BinaryStreamDecoder<IOEmbedded>()
/// decoder.append(chunk)
/// while let value = try decoder.next() { handle(value) }
/// ```
///
/// ``next()`` returns `nil` when the buffered bytes do not yet hold a complete value — which is
/// different from malformed input, which throws. Work is linear in the bytes received.
public struct BinaryStreamDecoder<Embedded: PreservesEmbedded>: Sendable {
    public var reader: BinaryReader<Embedded>
    private var scanner: BinaryFrameScanner
    private var buffer: [UInt8] = []
    private var start = 0
    /// Offset of `buffer[0]` in the whole stream, for error positions.
    private var consumedBefore = 0

    public init(reader: BinaryReader<Embedded>) {
        self.reader = reader
        self.scanner = BinaryFrameScanner(limits: reader.limits)
    }

    /// Bytes received but not yet returned as values.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(..<start)
            consumedBefore += start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete value, or `nil` if more bytes are needed.
    ///
    /// Errors carry offsets from the start of the stream. After an error the stream cannot
    /// continue: the decoder does not know where the next value would start.
    public mutating func next() throws(BinaryDecodingError) -> Value<Embedded>? {
        let origin = consumedBefore + start
        let result: Result<Value<Embedded>?, BinaryDecodingError> = buffer.withUnsafeBytes { all in
            let pending = UnsafeRawBufferPointer(rebasing: all[start...])
            do throws(BinaryDecodingError) {
                guard let length = try scanner.scan(pending) else { return .success(nil) }
                let value = try reader.decode(UnsafeRawBufferPointer(rebasing: pending[..<length]))
                scanner.reset()
                start += length
                return .success(value)
            } catch {
                return .failure(BinaryDecodingError(error.kind, at: origin + error.offset, error.message))
            }
        }
        return try result.get()
    }

    /// Whether the stream ended cleanly: no partial value is buffered.
    public var isAtValueBoundary: Bool { bufferedByteCount == 0 }
}

extension BinaryStreamDecoder where Embedded: PreservesEmbeddedCodable {
    public init(limits: ReaderLimits = .default, keepAnnotations: Bool = false) {
        self.init(reader: BinaryReader(limits: limits, keepAnnotations: keepAnnotations))
    }
}

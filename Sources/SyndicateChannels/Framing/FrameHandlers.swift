import NIOCore

/// Splits inbound bytes into frame payloads with a ``FrameParser``. A header over the limit raises
/// ``ChannelError/frameTooLarge(length:limit:)`` before any payload byte is buffered for it.
public struct VariedLengthFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    private var parser: FrameParser

    public init(maximumFrameLength: Int = VariedLengthHeader.defaultMaximumFrameLength) {
        parser = FrameParser(maximumFrameLength: maximumFrameLength)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch parser.next(buffer.readableBytesView) {
        case .needMore:
            return .needMoreData
        case .refuse(let length, let limit):
            throw ChannelError.frameTooLarge(length: length, limit: limit)
        case .frame(let headerSize, let length):
            buffer.moveReaderIndex(forwardBy: headerSize)
            // `frame` is only returned once header and payload are all there.
            let payload = buffer.readSlice(length: length) ?? ByteBuffer()
            context.fireChannelRead(Self.wrapInboundOut(payload))
            return .continue
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes already framed buffers (see ``FrameEncoding``) straight through; framing happens once per
/// item before a fan-out so each peer gets the same bytes.
public enum FrameEncoding {
    /// Header and payload in one buffer, or ``ChannelError/frameTooLarge(length:limit:)``.
    public static func frame(
        _ payload: [UInt8], maximumFrameLength: Int = VariedLengthHeader.defaultMaximumFrameLength,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(ChannelError) -> ByteBuffer {
        guard payload.count <= maximumFrameLength, payload.count <= VariedLengthHeader.largestEncodableLength else {
            throw .frameTooLarge(length: payload.count, limit: maximumFrameLength)
        }
        let size = VariedLengthHeader.headerSize(forLength: payload.count)
        var buffer = allocator.buffer(capacity: size + payload.count)
        // The shortest header (see ``VariedLengthHeader``), big-endian, without an array for it.
        switch size {
        case 1: buffer.writeInteger(UInt8(payload.count))
        case 2: buffer.writeInteger(UInt16(payload.count) | 0x8000)
        case 3:
            let v = UInt32(payload.count) | 0xC0_0000
            buffer.writeInteger(UInt8(truncatingIfNeeded: v >> 16))
            buffer.writeInteger(UInt16(truncatingIfNeeded: v))
        default: buffer.writeInteger(UInt32(payload.count) | 0xE000_0000)
        }
        buffer.writeBytes(payload)
        return buffer
    }
}

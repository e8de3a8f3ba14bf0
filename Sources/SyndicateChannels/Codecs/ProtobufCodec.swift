import SwiftProtobuf

/// Protocol Buffers through swift-protobuf messages (tsyncp's `ProstCodec`).
public struct ProtobufCodec<Item: SwiftProtobuf.Message>: ChannelCodec {
    public init() {}

    public func encode(_ item: Item) throws(ChannelError) -> [UInt8] {
        do { return try item.serializedBytes() } catch { throw .codec("protobuf encoding: \(error)") }
    }

    public func decode(_ payload: [UInt8]) throws(ChannelError) -> Item {
        do { return try Item(serializedBytes: payload) } catch { throw .codec("protobuf decoding: \(error)") }
    }
}

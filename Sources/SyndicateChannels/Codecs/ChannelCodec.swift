/// Turns items into frame payloads and back. Both ends of a channel must use the same codec:
/// nothing about it is negotiated on the wire (as in tsyncp).
public protocol ChannelCodec<Item>: Sendable {
    associatedtype Item: Sendable
    /// The payload for `item`.
    func encode(_ item: Item) throws(ChannelError) -> [UInt8]
    /// The item in one frame's payload.
    func decode(_ payload: [UInt8]) throws(ChannelError) -> Item
}

/// Payloads as they are: no encoding (tsyncp's `.as_bytes()`).
public struct RawBytesCodec: ChannelCodec {
    public init() {}
    public func encode(_ item: [UInt8]) throws(ChannelError) -> [UInt8] { item }
    public func decode(_ payload: [UInt8]) throws(ChannelError) -> [UInt8] { payload }
}

/// The barrier's codec: a release is the one byte `00` (the frame `01 00` on the wire).
public struct ReleaseCodec: ChannelCodec {
    public init() {}
    public func encode(_ item: Void) throws(ChannelError) -> [UInt8] { [0] }
    public func decode(_ payload: [UInt8]) throws(ChannelError) {
        guard payload == [0] else { throw .codec("a barrier release is the single byte 00, got \(payload.count) bytes") }
    }
}

import Preserves

/// Preserves binary syntax for a schema type without embedded values (`SchemaPlainRepresentable`).
public struct PlainPreservesCodec<Item: SchemaPlainRepresentable>: ChannelCodec {
    public var limits: ReaderLimits
    public init(limits: ReaderLimits = .default) { self.limits = limits }

    public func encode(_ item: Item) throws(ChannelError) -> [UInt8] {
        item.preserves(as: Never.self).binary()
    }

    public func decode(_ payload: [UInt8]) throws(ChannelError) -> Item {
        let value: Value<Never>
        do { value = try Value(binary: payload, limits: limits) } catch { throw .codec("Preserves: \(error)") }
        do { return try Item(preserves: value) } catch { throw .codec("Preserves schema: \(error)") }
    }
}

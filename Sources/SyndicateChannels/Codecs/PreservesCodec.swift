import Preserves

/// Preserves binary syntax for a type generated from a schema.
public struct PreservesCodec<Item: SchemaRepresentable>: ChannelCodec where Item.Embedded: PreservesEmbeddedCodable {
    public var limits: ReaderLimits
    public init(limits: ReaderLimits = .default) { self.limits = limits }

    public func encode(_ item: Item) throws(ChannelError) -> [UInt8] {
        item.preserves.binary()
    }

    public func decode(_ payload: [UInt8]) throws(ChannelError) -> Item {
        let value: Value<Item.Embedded>
        do { value = try Value(binary: payload, limits: limits) } catch { throw .codec("Preserves: \(error)") }
        do { return try Item(preserves: value) } catch { throw .codec("Preserves schema: \(error)") }
    }
}

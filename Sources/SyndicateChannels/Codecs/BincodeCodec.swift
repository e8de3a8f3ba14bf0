/// bincode through `Codable`, with the settings tsyncp uses (`bincode::serialize` of bincode 1.x):
/// fixed-width little-endian integers, `u64` length prefixes on strings, sequences and maps,
/// `Option` as a `00`/`01` tag, struct fields in order without names, trailing bytes allowed.
///
/// Swift `Int`/`UInt` are Rust's `i64`/`u64`. A Rust enum is its variant index as `UInt32` followed by
/// the variant's fields: write it with a custom `encode(to:)` that encodes those into an unkeyed
/// container (see ``BincodeEncoder``).
public struct BincodeCodec<Item: Codable & Sendable>: ChannelCodec {
    /// The largest length prefix accepted when decoding, so a corrupt prefix cannot allocate without bound.
    public var maximumLength: Int
    public init(maximumLength: Int = VariedLengthHeader.defaultMaximumFrameLength) { self.maximumLength = maximumLength }

    public func encode(_ item: Item) throws(ChannelError) -> [UInt8] {
        do { return try BincodeEncoder().encode(item) } catch let error as ChannelError { throw error } catch {
            throw .codec("bincode encoding: \(error)")
        }
    }

    public func decode(_ payload: [UInt8]) throws(ChannelError) -> Item {
        do { return try BincodeDecoder(maximumLength: maximumLength).decode(Item.self, from: payload) }
        catch let error as ChannelError { throw error } catch { throw .codec("bincode: \(error)") }
    }
}

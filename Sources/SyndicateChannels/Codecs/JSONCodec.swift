import Foundation

/// JSON through `Codable` (tsyncp's `JsonCodec`, serde_json on the Rust side). Encodes with
/// ``CompactJSONEncoder``, so a struct's members come out in declaration order, as serde writes them.
public struct JSONCodec<Item: Codable & Sendable>: ChannelCodec {
    public init() {}

    public func encode(_ item: Item) throws(ChannelError) -> [UInt8] {
        do {
            return try CompactJSONEncoder().encode(item)
        } catch {
            throw .codec("JSON encoding: \(error)")
        }
    }

    public func decode(_ payload: [UInt8]) throws(ChannelError) -> Item {
        do {
            return try JSONDecoder().decode(Item.self, from: Data(payload))
        } catch let DecodingError.dataCorrupted(context) {
            throw .codec("JSON at \(Self.path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw .codec("JSON at \(Self.path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .codec("JSON at \(Self.path(context.codingPath)): missing key \(key.stringValue)")
        } catch {
            throw .codec("JSON: \(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

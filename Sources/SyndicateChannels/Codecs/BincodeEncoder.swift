/// Writes `Encodable` values in bincode 1.x's default (`bincode::serialize`) layout.
public struct BincodeEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> [UInt8] {
        let sink = BincodeSink()
        try BincodeEncoding(sink: sink).encodeValue(value)
        return sink.bytes
    }
}

/// An optional, seen through `any`, so the encoder can write its tag wherever it occurs.
protocol BincodeOptional {
    var bincodeWrapped: (any Encodable)? { get }
}

extension Optional: BincodeOptional where Wrapped: Encodable {
    var bincodeWrapped: (any Encodable)? { self }
}

final class BincodeSink {
    var bytes: [UInt8] = []

    func integer<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    func string(_ value: String) {
        let utf8 = Array(value.utf8)
        integer(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

struct BincodeEncoding: Encoder {
    let sink: BincodeSink
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func encodeValue(_ value: some Encodable) throws {
        if let optional = value as? any BincodeOptional {
            if let wrapped = optional.bincodeWrapped {
                sink.bytes.append(1)
                try encodeValue(wrapped)
            } else {
                sink.bytes.append(0)
            }
            return
        }
        switch value {
        case let v as Bool: sink.bytes.append(v ? 1 : 0)
        case let v as String: sink.string(v)
        case let v as Int: sink.integer(Int64(v))
        case let v as UInt: sink.integer(UInt64(v))
        case let v as Int8: sink.integer(v)
        case let v as Int16: sink.integer(v)
        case let v as Int32: sink.integer(v)
        case let v as Int64: sink.integer(v)
        case let v as UInt8: sink.integer(v)
        case let v as UInt16: sink.integer(v)
        case let v as UInt32: sink.integer(v)
        case let v as UInt64: sink.integer(v)
        case let v as Float: sink.integer(v.bitPattern)
        case let v as Double: sink.integer(v.bitPattern)
        case let v as [UInt8]:
            sink.integer(UInt64(v.count)); sink.bytes.append(contentsOf: v)
        default: try value.encode(to: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(BincodeKeyedEncoding<Key>(encoding: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        BincodeUnkeyedEncoding(encoding: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { BincodeSingleEncoding(encoding: self) }
}

struct BincodeSingleEncoding: SingleValueEncodingContainer {
    let encoding: BincodeEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }
    mutating func encodeNil() throws { encoding.sink.bytes.append(0) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoding.encodeValue(value) }
}

/// A sequence: a `u64` count, patched as elements arrive, then the elements.
struct BincodeUnkeyedEncoding: UnkeyedEncodingContainer {
    let encoding: BincodeEncoding
    let countOffset: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { encoding.codingPath }

    init(encoding: BincodeEncoding) {
        self.encoding = encoding
        countOffset = encoding.sink.bytes.count
        encoding.sink.integer(UInt64(0))
    }

    private mutating func bump() {
        count += 1
        withUnsafeBytes(of: UInt64(count).littleEndian) { raw in
            for i in 0..<8 { encoding.sink.bytes[countOffset + i] = raw[i] }
        }
    }

    mutating func encodeNil() throws { bump(); encoding.sink.bytes.append(0) }
    mutating func encode<T: Encodable>(_ value: T) throws { bump(); try encoding.encodeValue(value) }
    mutating func nestedContainer<K: CodingKey>(keyedBy keyType: K.Type) -> KeyedEncodingContainer<K> {
        bump(); return encoding.container(keyedBy: K.self)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { bump(); return encoding.unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { bump(); return encoding }
}

/// A struct: its fields in order, without names; `nil` fields as tag `00` (not left out).
struct BincodeKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoding: BincodeEncoding
    var codingPath: [any CodingKey] { encoding.codingPath }

    mutating func encodeNil(forKey key: Key) throws { encoding.sink.bytes.append(0) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoding.encodeValue(value) }
    mutating func nestedContainer<K: CodingKey>(keyedBy keyType: K.Type, forKey key: Key) -> KeyedEncodingContainer<K> {
        encoding.container(keyedBy: K.self)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { encoding.unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { encoding }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoding }

    // Synthesized conformances skip absent optionals; bincode writes a tag for them.
    private func optional<T: Encodable>(_ value: T?) throws { try encoding.encodeValue(value) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try optional(value) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try optional(value) }
}

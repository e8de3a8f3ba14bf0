/// Reads `Decodable` values from bincode 1.x's default (`bincode::serialize`) layout. Bytes after
/// the value are allowed, as `bincode::deserialize` allows them.
public struct BincodeDecoder {
    public var maximumLength: Int
    public init(maximumLength: Int = VariedLengthHeader.defaultMaximumFrameLength) { self.maximumLength = maximumLength }

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let source = BincodeSource(bytes: bytes, maximumLength: maximumLength)
        return try BincodeDecoding(source: source).decodeValue(T.self)
    }
}

protocol BincodeOptionalDecodable {
    static func bincodeDecode(_ decoding: BincodeDecoding) throws -> Self
}

extension Optional: BincodeOptionalDecodable where Wrapped: Decodable {
    static func bincodeDecode(_ decoding: BincodeDecoding) throws -> Self {
        switch try decoding.source.byte() {
        case 0: return nil
        case 1: return try decoding.decodeValue(Wrapped.self)
        case let tag: throw decoding.source.failure("option tag \(tag), expected 0 or 1")
        }
    }
}

final class BincodeSource {
    let bytes: [UInt8]
    let maximumLength: Int
    var index = 0

    init(bytes: [UInt8], maximumLength: Int) {
        self.bytes = bytes
        self.maximumLength = maximumLength
    }

    func failure(_ message: String) -> ChannelError { .codec("bincode at byte \(index): \(message)") }

    func byte() throws -> UInt8 {
        guard index < bytes.count else { throw failure("unexpected end of input") }
        defer { index += 1 }
        return bytes[index]
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - index >= size else { throw failure("unexpected end of input reading \(size) bytes") }
        var value: T = 0
        for i in 0..<size { value |= T(truncatingIfNeeded: bytes[index + i]) << (8 * i) }
        index += size
        return value
    }

    func length() throws -> Int {
        let start = index
        let raw = try integer(UInt64.self)
        guard raw <= UInt64(maximumLength) else {
            index = start
            throw failure("length \(raw) is over the limit of \(maximumLength)")
        }
        return Int(raw)
    }

    func slice(_ count: Int) throws -> ArraySlice<UInt8> {
        guard bytes.count - index >= count else { throw failure("unexpected end of input reading \(count) bytes") }
        defer { index += count }
        return bytes[index..<index + count]
    }
}

struct BincodeDecoding: Decoder {
    let source: BincodeSource
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let optional = T.self as? any BincodeOptionalDecodable.Type {
            // Force-cast is sound: `optional` is `T.self`.
            return try optional.bincodeDecode(self) as! T
        }
        switch type {
        case is Bool.Type:
            switch try source.byte() {
            case 0: return false as! T
            case 1: return true as! T
            case let b: throw source.failure("bool byte \(b)")
            }
        case is String.Type:
            let count = try source.length()
            let start = source.index
            guard let string = String(validating: try source.slice(count), as: UTF8.self) else {
                source.index = start
                throw source.failure("invalid UTF-8 in a string")
            }
            return string as! T
        case is Int.Type: return Int(try source.integer(Int64.self)) as! T
        case is UInt.Type: return UInt(try source.integer(UInt64.self)) as! T
        case is Int8.Type: return try source.integer(Int8.self) as! T
        case is Int16.Type: return try source.integer(Int16.self) as! T
        case is Int32.Type: return try source.integer(Int32.self) as! T
        case is Int64.Type: return try source.integer(Int64.self) as! T
        case is UInt8.Type: return try source.integer(UInt8.self) as! T
        case is UInt16.Type: return try source.integer(UInt16.self) as! T
        case is UInt32.Type: return try source.integer(UInt32.self) as! T
        case is UInt64.Type: return try source.integer(UInt64.self) as! T
        case is Float.Type: return Float(bitPattern: try source.integer(UInt32.self)) as! T
        case is Double.Type: return Double(bitPattern: try source.integer(UInt64.self)) as! T
        case is [UInt8].Type: return Array(try source.slice(try source.length())) as! T
        default: return try T(from: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(BincodeKeyedDecoding<Key>(decoding: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try BincodeUnkeyedDecoding(decoding: self, count: source.length())
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { BincodeSingleDecoding(decoding: self) }
}

struct BincodeSingleDecoding: SingleValueDecodingContainer {
    let decoding: BincodeDecoding
    var codingPath: [any CodingKey] { decoding.codingPath }
    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoding.decodeValue(T.self) }
}

struct BincodeUnkeyedDecoding: UnkeyedDecodingContainer {
    let decoding: BincodeDecoding
    let total: Int
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoding.codingPath }
    var count: Int? { total }
    var isAtEnd: Bool { currentIndex >= total }

    init(decoding: BincodeDecoding, count: Int) {
        self.decoding = decoding
        self.total = count
    }

    private mutating func advance() throws {
        guard !isAtEnd else { throw decoding.source.failure("sequence of \(total) has no element \(currentIndex)") }
        currentIndex += 1
    }

    mutating func decodeNil() throws -> Bool { false }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try advance(); return try decoding.decodeValue(T.self) }
    mutating func nestedContainer<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        try advance(); return try decoding.container(keyedBy: K.self)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try advance(); return try decoding.unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder { try advance(); return decoding }
}

struct BincodeKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoding: BincodeDecoding
    var codingPath: [any CodingKey] { decoding.codingPath }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    /// Reads an `Option` tag: `00` is nil; `01` means the value follows.
    func decodeNil(forKey key: Key) throws -> Bool {
        switch try decoding.source.byte() {
        case 0: return true
        case 1: return false
        case let tag: throw decoding.source.failure("option tag \(tag) for \(key.stringValue), expected 0 or 1")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoding.decodeValue(T.self) }
    func nestedContainer<K: CodingKey>(keyedBy type: K.Type, forKey key: Key) throws -> KeyedDecodingContainer<K> {
        try decoding.container(keyedBy: K.self)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try decoding.unkeyedContainer() }
    func superDecoder() throws -> any Decoder { decoding }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoding }
}

/// Writes `Encodable` values as compact JSON the way serde_json's `to_vec` does: object members in
/// the order they are encoded (Foundation's `JSONEncoder` does not keep it on every platform), no
/// spaces, non-ASCII as raw UTF-8, `/` unescaped, `nil` as `null`, non-finite floats as `null`.
public struct CompactJSONEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> [UInt8] {
        let root = JSONNode.Box()
        try JSONTreeEncoding(box: root).encodeValue(value)
        var out: [UInt8] = []
        root.node.write(into: &out)
        return out
    }
}

enum JSONNode {
    case null, bool(Bool), number(String), string(String)
    case array([Box])
    case object([(String, Box)])

    final class Box {
        var node: JSONNode = .null
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.node.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.node.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func float(_ value: Double) -> JSONNode {
        guard value.isFinite else { return .null }
        return .number("\(value)".replacingOccurrences(of: "e+", with: "e"))
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

struct JSONTreeEncoding: Encoder {
    let box: JSONNode.Box
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func encodeValue(_ value: some Encodable) throws {
        switch value {
        case let v as Bool: box.node = .bool(v)
        case let v as String: box.node = .string(v)
        case let v as Double: box.node = JSONNode.float(v)
        case let v as Float: box.node = JSONNode.float(Double(v))
        case let v as any BinaryInteger: box.node = .number("\(v)")
        default:
            try value.encode(to: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.node {} else { box.node = .object([]) }
        return KeyedEncodingContainer(JSONKeyedEncoding<Key>(box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.node {} else { box.node = .array([]) }
        return JSONUnkeyedEncoding(box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingleEncoding(box: box) }
}

struct JSONSingleEncoding: SingleValueEncodingContainer {
    let box: JSONNode.Box
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { box.node = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try JSONTreeEncoding(box: box).encodeValue(value) }
}

struct JSONUnkeyedEncoding: UnkeyedEncodingContainer {
    let box: JSONNode.Box
    var codingPath: [any CodingKey] { [] }
    var count: Int {
        if case .array(let items) = box.node { return items.count }
        return 0
    }

    private func append() -> JSONNode.Box {
        let child = JSONNode.Box()
        if case .array(var items) = box.node {
            items.append(child)
            box.node = .array(items)
        }
        return child
    }

    mutating func encodeNil() throws { _ = append() }
    mutating func encode<T: Encodable>(_ value: T) throws { try JSONTreeEncoding(box: append()).encodeValue(value) }
    mutating func nestedContainer<K: CodingKey>(keyedBy keyType: K.Type) -> KeyedEncodingContainer<K> {
        JSONTreeEncoding(box: append()).container(keyedBy: K.self)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { JSONTreeEncoding(box: append()).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { JSONTreeEncoding(box: append()) }
}

struct JSONKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONNode.Box
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: String) -> JSONNode.Box {
        guard case .object(var members) = box.node else { return JSONNode.Box() }
        if let existing = members.first(where: { $0.0 == key }) { return existing.1 }
        let child = JSONNode.Box()
        members.append((key, child))
        box.node = .object(members)
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { member(key.stringValue).node = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try JSONTreeEncoding(box: member(key.stringValue)).encodeValue(value)
    }
    mutating func nestedContainer<K: CodingKey>(keyedBy keyType: K.Type, forKey key: Key) -> KeyedEncodingContainer<K> {
        JSONTreeEncoding(box: member(key.stringValue)).container(keyedBy: K.self)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONTreeEncoding(box: member(key.stringValue)).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { JSONTreeEncoding(box: member("super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { JSONTreeEncoding(box: member(key.stringValue)) }
}

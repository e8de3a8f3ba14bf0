/// tsyncp's frame header: 1 to 4 big-endian bytes whose leading bits give the header's own length.
///
/// | first byte | header | length bits | largest length |
/// |---|---|---|---|
/// | `0xxxxxxx` | 1 byte | 7 | 127 |
/// | `10xxxxxx` | 2 bytes | 14 | 16,383 |
/// | `110xxxxx` | 3 bytes | 21 | 2,097,151 |
/// | `111xxxxx` | 4 bytes | 29 | 536,870,911 |
///
/// The encoder always writes the shortest header. The decoder accepts any header length for a
/// length, as tsyncp's does.
public enum VariedLengthHeader {
    /// The largest length any header can carry (29 bits).
    public static let largestEncodableLength = (1 << 29) - 1

    /// tsyncp's default frame limit: 8 MiB, inclusive.
    public static let defaultMaximumFrameLength = 8 * 1024 * 1024

    /// How many header bytes `length` needs.
    @inlinable
    public static func headerSize(forLength length: Int) -> Int {
        if length < 1 << 7 { return 1 }
        if length < 1 << 14 { return 2 }
        if length < 1 << 21 { return 3 }
        return 4
    }

    /// Appends the shortest header for `length` (which must be at most ``largestEncodableLength``).
    @inlinable
    public static func write(length: Int, into out: inout [UInt8]) {
        switch headerSize(forLength: length) {
        case 1:
            out.append(UInt8(length))
        case 2:
            let v = UInt32(length) | 0x8000
            out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
        case 3:
            let v = UInt32(length) | 0xC0_0000
            out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 8))
            out.append(UInt8(truncatingIfNeeded: v))
        default:
            let v = UInt32(length) | 0xE000_0000
            out.append(UInt8(truncatingIfNeeded: v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
            out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
        }
    }

    /// The header's size as told by its first byte.
    @inlinable
    public static func headerSize(firstByte: UInt8) -> Int {
        switch firstByte & 0xE0 {
        case 0xE0: return 4
        case 0xC0: return 3
        case 0x80, 0xA0: return 2
        default: return 1
        }
    }

    /// Reads the length from a complete header (`bytes.count == headerSize(firstByte: bytes[0])`).
    @inlinable
    public static func length(ofHeader bytes: some Collection<UInt8>) -> Int {
        var iterator = bytes.makeIterator()
        guard let first = iterator.next() else { return 0 }
        let size = headerSize(firstByte: first)
        let mask: UInt8 = size == 1 ? 0x7F : size == 2 ? 0x3F : 0x1F
        var value = Int(first & mask)
        while let byte = iterator.next() { value = value << 8 | Int(byte) }
        return value
    }
}

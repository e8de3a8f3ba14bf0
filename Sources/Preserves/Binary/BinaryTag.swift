/// The tag bytes of the Preserves binary syntax.
@usableFromInline
enum BinaryTag {
    @usableFromInline static let `false`: UInt8 = 0x80
    @usableFromInline static let `true`: UInt8 = 0x81
    @usableFromInline static let end: UInt8 = 0x84
    @usableFromInline static let annotation: UInt8 = 0x85
    @usableFromInline static let embedded: UInt8 = 0x86
    @usableFromInline static let double: UInt8 = 0x87
    @usableFromInline static let signedInteger: UInt8 = 0xB0
    @usableFromInline static let string: UInt8 = 0xB1
    @usableFromInline static let byteString: UInt8 = 0xB2
    @usableFromInline static let symbol: UInt8 = 0xB3
    @usableFromInline static let record: UInt8 = 0xB4
    @usableFromInline static let sequence: UInt8 = 0xB5
    @usableFromInline static let set: UInt8 = 0xB6
    @usableFromInline static let dictionary: UInt8 = 0xB7

    /// Whether `byte` can start a value in the binary syntax. Every such byte lies in
    /// 0x80…0xBF, which never starts UTF-8 text, so the first byte tells binary from text.
    @inlinable
    static func startsBinaryValue(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x80, 0x81, 0x85, 0x86, 0x87, 0xB0...0xB7: true
        default: false
        }
    }
}

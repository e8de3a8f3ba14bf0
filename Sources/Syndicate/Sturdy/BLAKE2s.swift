/// The BLAKE2s hash function (RFC 7693): 32-bit words, 64-byte blocks, digests of 1 to 32
/// bytes, with an optional key of up to 32 bytes.
public struct BLAKE2s: Sendable {
    static let iv: [UInt32] = [
        0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A, 0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19,
    ]

    static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    private var h: [UInt32]
    private var buffer: [UInt8] = []
    private var count: UInt64 = 0
    private let digestLength: Int

    /// Starts a hash producing `digestLength` bytes (1…32), keyed when `key` (≤ 32 bytes) is not empty.
    public init(digestLength: Int = 32, key: [UInt8] = []) {
        precondition((1...32).contains(digestLength), "BLAKE2s digests are 1 to 32 bytes")
        precondition(key.count <= 32, "BLAKE2s keys are at most 32 bytes")
        self.digestLength = digestLength
        h = Self.iv
        h[0] ^= 0x0101_0000 ^ (UInt32(key.count) << 8) ^ UInt32(digestLength)
        if !key.isEmpty {
            buffer = key + [UInt8](repeating: 0, count: 64 - key.count)
        }
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            // The last block is compressed only in `finalize`, with the final flag.
            if buffer.count == 64 {
                count += 64
                compress(buffer, final: false)
                buffer.removeAll(keepingCapacity: true)
            }
            buffer.append(byte)
        }
    }

    /// The digest of everything added.
    public mutating func finalize() -> [UInt8] {
        count += UInt64(buffer.count)
        compress(buffer + [UInt8](repeating: 0, count: 64 - buffer.count), final: true)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in h {
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return Array(out.prefix(digestLength))
    }

    /// The digest of `message`.
    public static func hash(_ message: some Sequence<UInt8>, digestLength: Int = 32, key: [UInt8] = []) -> [UInt8] {
        var hasher = BLAKE2s(digestLength: digestLength, key: key)
        hasher.update(message)
        return hasher.finalize()
    }

    private mutating func compress(_ block: [UInt8], final: Bool) {
        var m = [UInt32](repeating: 0, count: 16)
        for i in 0..<16 {
            m[i] = UInt32(block[4 * i]) | UInt32(block[4 * i + 1]) << 8 | UInt32(block[4 * i + 2]) << 16 | UInt32(block[4 * i + 3]) << 24
        }
        var v = h + Self.iv
        v[12] ^= UInt32(truncatingIfNeeded: count)
        v[13] ^= UInt32(truncatingIfNeeded: count >> 32)
        if final { v[14] = ~v[14] }
        func g(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt32, _ y: UInt32) {
            v[a] = v[a] &+ v[b] &+ x
            v[d] = (v[d] ^ v[a]).rotatedRight(16)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(12)
            v[a] = v[a] &+ v[b] &+ y
            v[d] = (v[d] ^ v[a]).rotatedRight(8)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(7)
        }
        for s in Self.sigma {
            g(0, 4, 8, 12, m[s[0]], m[s[1]])
            g(1, 5, 9, 13, m[s[2]], m[s[3]])
            g(2, 6, 10, 14, m[s[4]], m[s[5]])
            g(3, 7, 11, 15, m[s[6]], m[s[7]])
            g(0, 5, 10, 15, m[s[8]], m[s[9]])
            g(1, 6, 11, 12, m[s[10]], m[s[11]])
            g(2, 7, 8, 13, m[s[12]], m[s[13]])
            g(3, 4, 9, 14, m[s[14]], m[s[15]])
        }
        for i in 0..<8 { h[i] ^= v[i] ^ v[i + 8] }
    }
}

extension UInt32 {
    @inline(__always)
    func rotatedRight(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}

/// HMAC (RFC 2104) with BLAKE2s-256 as the hash: 64-byte blocks, 32-byte output.
public enum HMACBLAKE2s {
    public static func authenticationCode(key: [UInt8], message: some Sequence<UInt8>) -> [UInt8] {
        var k = key.count > 64 ? BLAKE2s.hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        var inner = BLAKE2s()
        inner.update(k.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = BLAKE2s()
        outer.update(k.map { $0 ^ 0x5C })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}

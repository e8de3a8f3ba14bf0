import Crypto

/// A Noise CipherState (specification section 5.1): a ChaCha20-Poly1305 key, or none, and the
/// nonce of the next message.
public struct NoiseCipherState: Sendable {
    /// The AEAD tag's length, added to every encrypted message.
    public static let tagLength = 16

    private var key: SymmetricKey?
    /// The nonce the next message is encrypted or decrypted with.
    public private(set) var nonce: UInt64 = 0

    init(key: [UInt8]? = nil) {
        self.key = key.map { SymmetricKey(data: $0) }
    }

    public var hasKey: Bool { key != nil }

    /// The 96-bit ChaChaPoly nonce: 32 zero bits, then the counter little-endian.
    private func nonceBytes() throws(NoiseError) -> ChaChaPoly.Nonce {
        guard nonce < UInt64.max else { throw .nonceExhausted }
        var bytes = [UInt8](repeating: 0, count: 4)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: nonce >> UInt64(shift))) }
        do { return try ChaChaPoly.Nonce(data: bytes) } catch { throw .nonceExhausted }
    }

    /// EncryptWithAd: the ciphertext and tag, or `plaintext` itself when there is no key yet.
    public mutating func encrypt(_ plaintext: [UInt8], associatedData: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard let key else { return plaintext }
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.seal(plaintext, using: key, nonce: try nonceBytes(), authenticating: associatedData)
        } catch let error as NoiseError {
            throw error
        } catch {
            throw .decryptionFailed
        }
        nonce += 1
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// DecryptWithAd: the plaintext, or `ciphertext` itself when there is no key yet. A failed
    /// authentication leaves the nonce where it was.
    public mutating func decrypt(_ ciphertext: [UInt8], associatedData: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard let key else { return ciphertext }
        guard ciphertext.count >= Self.tagLength else { throw .decryptionFailed }
        let plaintext: [UInt8]
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: try nonceBytes(), ciphertext: ciphertext.dropLast(Self.tagLength), tag: ciphertext.suffix(Self.tagLength))
            plaintext = Array(try ChaChaPoly.open(box, using: key, authenticating: associatedData))
        } catch let error as NoiseError {
            throw error
        } catch {
            throw .decryptionFailed
        }
        nonce += 1
        return plaintext
    }
}

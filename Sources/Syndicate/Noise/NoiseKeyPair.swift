import Crypto

/// An X25519 key pair, as Noise's DH functions use it (32-byte keys).
public struct NoiseKeyPair: Sendable, Hashable {
    public let secretKey: [UInt8]
    public let publicKey: [UInt8]

    /// The pair whose secret key is `secretKey` (32 bytes).
    public init(secretKey: [UInt8]) throws(NoiseError) {
        guard secretKey.count == 32 else { throw .invalidKeyLength(role: "an X25519 secret key", length: secretKey.count) }
        do {
            let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secretKey)
            self.secretKey = secretKey
            publicKey = Array(key.publicKey.rawRepresentation)
        } catch {
            throw .invalidKeyLength(role: "an X25519 secret key", length: secretKey.count)
        }
    }

    /// A fresh pair from the system's random number generator.
    public static func generate() -> NoiseKeyPair {
        let key = Curve25519.KeyAgreement.PrivateKey()
        return NoiseKeyPair(checked: Array(key.rawRepresentation), publicKey: Array(key.publicKey.rawRepresentation))
    }

    private init(checked secretKey: [UInt8], publicKey: [UInt8]) {
        self.secretKey = secretKey
        self.publicKey = publicKey
    }

    /// DH(self, publicKey): the X25519 shared secret.
    func agreement(with publicKey: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard publicKey.count == 32 else { throw .invalidKeyLength(role: "an X25519 public key", length: publicKey.count) }
        do {
            let mine = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secretKey)
            let theirs = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey)
            let shared = try mine.sharedSecretFromKeyAgreement(with: theirs)
            return shared.withUnsafeBytes { Array($0) }
        } catch {
            throw .invalidPublicKey
        }
    }
}

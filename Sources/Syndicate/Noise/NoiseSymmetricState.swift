/// A Noise SymmetricState (specification section 5.2) for BLAKE2s: the chaining key, the
/// handshake hash and the current CipherState. HKDF is HMAC-BLAKE2s (section 4.3).
struct NoiseSymmetricState: Sendable {
    static let hashLength = 32

    private(set) var chainingKey: [UInt8]
    private(set) var handshakeHash: [UInt8]
    private(set) var cipher = NoiseCipherState()

    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        handshakeHash = name.count <= Self.hashLength
            ? name + [UInt8](repeating: 0, count: Self.hashLength - name.count)
            : BLAKE2s.hash(name)
        chainingKey = handshakeHash
    }

    /// HKDF(chainingKey, inputKeyMaterial) with two or three outputs.
    static func hkdf(_ chainingKey: [UInt8], _ inputKeyMaterial: [UInt8], outputs: Int) -> [[UInt8]] {
        let temporaryKey = HMACBLAKE2s.authenticationCode(key: chainingKey, message: inputKeyMaterial)
        var result: [[UInt8]] = []
        var previous: [UInt8] = []
        for i in 1...outputs {
            previous = HMACBLAKE2s.authenticationCode(key: temporaryKey, message: previous + [UInt8(i)])
            result.append(previous)
        }
        return result
    }

    mutating func mixKey(_ inputKeyMaterial: [UInt8]) {
        let out = Self.hkdf(chainingKey, inputKeyMaterial, outputs: 2)
        chainingKey = out[0]
        cipher = NoiseCipherState(key: out[1])
    }

    mutating func mixHash(_ data: [UInt8]) {
        handshakeHash = BLAKE2s.hash(handshakeHash + data)
    }

    mutating func mixKeyAndHash(_ inputKeyMaterial: [UInt8]) {
        let out = Self.hkdf(chainingKey, inputKeyMaterial, outputs: 3)
        chainingKey = out[0]
        mixHash(out[1])
        cipher = NoiseCipherState(key: out[2])
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let ciphertext = try cipher.encrypt(plaintext, associatedData: handshakeHash)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let plaintext = try cipher.decrypt(ciphertext, associatedData: handshakeHash)
        mixHash(ciphertext)
        return plaintext
    }

    /// The two transport CipherStates: initiator-to-responder, then responder-to-initiator.
    func split() -> (NoiseCipherState, NoiseCipherState) {
        let out = Self.hkdf(chainingKey, [], outputs: 2)
        return (NoiseCipherState(key: out[0]), NoiseCipherState(key: out[1]))
    }
}

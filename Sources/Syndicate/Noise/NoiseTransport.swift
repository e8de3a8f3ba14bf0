/// The two CipherStates of a finished Noise handshake: one for the messages this side sends,
/// one for those it receives (Noise transport messages, empty associated data).
public struct NoiseTransport: Sendable {
    /// The most plaintext one transport message can carry (65535 minus the tag).
    public static let maxPlaintextLength = NoiseHandshake.maxMessageLength - NoiseCipherState.tagLength

    public private(set) var sending: NoiseCipherState
    public private(set) var receiving: NoiseCipherState
    /// The handshake hash, identifying this session to both sides.
    public let handshakeHash: [UInt8]

    init(sending: NoiseCipherState, receiving: NoiseCipherState, handshakeHash: [UInt8]) {
        self.sending = sending
        self.receiving = receiving
        self.handshakeHash = handshakeHash
    }

    /// One transport message.
    public mutating func encrypt(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard plaintext.count <= Self.maxPlaintextLength else { throw .messageTooLong(plaintext.count + NoiseCipherState.tagLength) }
        return try sending.encrypt(plaintext)
    }

    /// The plaintext of one transport message; a message that fails to authenticate throws
    /// ``NoiseError/decryptionFailed`` and changes nothing.
    public mutating func decrypt(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard message.count <= NoiseHandshake.maxMessageLength else { throw .messageTooLong(message.count) }
        return try receiving.decrypt(message)
    }
}

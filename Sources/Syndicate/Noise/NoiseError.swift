/// Why a Noise handshake or session failed. Every failure of the Noise layer is one of these;
/// nothing traps on bad input.
public enum NoiseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The protocol name is not `Noise_<pattern>_25519_ChaChaPoly_BLAKE2s`.
    case unsupportedProtocol(String)
    /// The handshake pattern (with its modifiers) is not one this implementation knows.
    case unknownPattern(String)
    /// A key (named by `role`) that is not 32 bytes long.
    case invalidKeyLength(role: String, length: Int)
    /// The pattern needs a key that was not supplied (e.g. the responder's static public key).
    case missingKey(String)
    /// A handshake message shorter than the pattern's next message requires.
    case messageTooShort(expected: Int, actual: Int)
    /// A Noise message over 65535 bytes, or a plaintext that would make one.
    case messageTooLong(Int)
    /// Authentication failed: the message was encrypted under another key (a wrong static key or
    /// pre-shared key on one side) or was altered.
    case decryptionFailed
    /// A public key the Diffie-Hellman function refuses (a low-order point).
    case invalidPublicKey
    /// A message written or read out of turn, or after the handshake finished.
    case outOfTurn(String)
    /// The handshake has not finished, so there are no transport keys yet.
    case handshakeIncomplete
    /// 2⁶⁴−1 messages were sent under one key.
    case nonceExhausted
    /// A fragmented or reassembled session packet over the size limit.
    case packetTooLarge(size: Int, limit: Int)
    /// A service selector holding embedded values, which have no canonical encoding to use as
    /// the prologue.
    case unencodableServiceSelector
    /// A `noise.prs` field present with the wrong type (`protocol`, `preSharedKeys`, `secretKey`).
    case invalidSpecification(String)

    public var description: String {
        switch self {
        case .unsupportedProtocol(let name): "unsupported Noise protocol \(name) (supported: Noise_<pattern>_25519_ChaChaPoly_BLAKE2s)"
        case .unknownPattern(let name): "unknown Noise handshake pattern \(name)"
        case .invalidKeyLength(let role, let length): "\(role) must be 32 bytes, not \(length)"
        case .missingKey(let what): "the handshake pattern needs \(what)"
        case .messageTooShort(let expected, let actual): "Noise handshake message of \(actual) bytes, at least \(expected) expected"
        case .messageTooLong(let length): "Noise message of \(length) bytes (at most 65535)"
        case .decryptionFailed: "Noise decryption failed (wrong key, or the message was altered)"
        case .invalidPublicKey: "invalid X25519 public key"
        case .outOfTurn(let what): "Noise message out of turn: \(what)"
        case .handshakeIncomplete: "the Noise handshake has not finished"
        case .nonceExhausted: "Noise nonce exhausted"
        case .packetTooLarge(let size, let limit): "Noise session packet of \(size) bytes (limit \(limit))"
        case .unencodableServiceSelector: "a Noise service selector cannot hold embedded values"
        case .invalidSpecification(let what): "invalid Noise specification: \(what)"
        }
    }
}

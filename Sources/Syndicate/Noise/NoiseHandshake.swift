/// A Noise HandshakeState (specification section 5.3) for `Noise_*_25519_ChaChaPoly_BLAKE2s`:
/// a value that writes and reads the handshake's messages in turn and, once they are done,
/// splits into a ``NoiseTransport``. No I/O: the caller carries the messages.
///
/// A message that fails to read (too short, or not authenticated: a wrong static or
/// pre-shared key on one side) throws a ``NoiseError`` and leaves the state as it was.
public struct NoiseHandshake: Sendable {
    /// The largest Noise message (handshake or transport).
    public static let maxMessageLength = 65535
    static let keyLength = 32

    public let protocolName: NoiseProtocolName
    public let isInitiator: Bool
    private var symmetric: NoiseSymmetricState
    private var staticKey: NoiseKeyPair?
    private var ephemeralKey: NoiseKeyPair?
    /// Ephemeral keys fixed in advance (test vectors); otherwise generated.
    private var presetEphemeralKey: NoiseKeyPair?
    public private(set) var remoteStaticKey: [UInt8]?
    private var remoteEphemeralKey: [UInt8]?
    private let preSharedKeys: [[UInt8]]
    private var preSharedKeysUsed = 0
    /// The index of the next handshake message.
    public private(set) var messageIndex = 0

    /// Starts a handshake.
    /// - Parameters:
    ///   - protocolName: e.g. `Noise_NK_25519_ChaChaPoly_BLAKE2s`.
    ///   - initiator: whether this side writes the first message.
    ///   - prologue: data both sides must agree on (Syndicate: the service selector's canonical encoding).
    ///   - staticKey: this side's static key pair, when the pattern has one.
    ///   - remoteStaticKey: the peer's static public key, when it is known in advance.
    ///   - preSharedKeys: used in order as `psk` tokens need them; an all-zero key once they run
    ///     out (as `noise.prs` specifies).
    ///   - ephemeralKey: a fixed ephemeral key pair, for test vectors only.
    public init(
        protocolName: String = NoiseProtocolName.default, initiator: Bool, prologue: [UInt8] = [],
        staticKey: NoiseKeyPair? = nil, remoteStaticKey: [UInt8]? = nil, preSharedKeys: [[UInt8]] = [],
        ephemeralKey: NoiseKeyPair? = nil
    ) throws(NoiseError) {
        let name = try NoiseProtocolName(protocolName)
        self.protocolName = name
        isInitiator = initiator
        symmetric = NoiseSymmetricState(protocolName: name.name)
        self.staticKey = staticKey
        presetEphemeralKey = ephemeralKey
        if let remoteStaticKey, remoteStaticKey.count != Self.keyLength {
            throw .invalidKeyLength(role: "the remote static public key", length: remoteStaticKey.count)
        }
        self.remoteStaticKey = remoteStaticKey
        for psk in preSharedKeys where psk.count != Self.keyLength {
            throw .invalidKeyLength(role: "a pre-shared key", length: psk.count)
        }
        self.preSharedKeys = preSharedKeys
        symmetric.mixHash(prologue)
        // Pre-messages: the initiator's keys first, then the responder's.
        let pattern = name.pattern
        for (tokens, ofInitiator) in [(pattern.initiatorPreMessage, true), (pattern.responderPreMessage, false)] {
            for token in tokens where token == .s {
                let mine = ofInitiator == initiator
                if mine {
                    guard let staticKey else { throw .missingKey("this side's static key pair") }
                    symmetric.mixHash(staticKey.publicKey)
                } else {
                    guard let remoteStaticKey else {
                        throw .missingKey(ofInitiator ? "the initiator's static public key" : "the responder's static public key")
                    }
                    symmetric.mixHash(remoteStaticKey)
                }
            }
        }
    }

    public var pattern: NoiseHandshakePattern { protocolName.pattern }
    /// Whether every handshake message has been written or read.
    public var isComplete: Bool { messageIndex == pattern.messages.count }
    /// Whether the next handshake message is this side's to write.
    public var isMyTurn: Bool { !isComplete && (messageIndex % 2 == 0) == isInitiator }
    /// The handshake hash so far (the channel binding, once complete).
    public var handshakeHash: [UInt8] { symmetric.handshakeHash }

    /// The bytes the next message adds to its payload: keys and tags.
    public var nextMessageOverhead: Int {
        guard !isComplete else { return 0 }
        var hasKey = symmetric.cipher.hasKey
        var length = 0
        for token in pattern.messages[messageIndex] {
            switch token {
            case .e:
                length += Self.keyLength
                if pattern.usesPreSharedKeys { hasKey = true }
            case .s: length += Self.keyLength + (hasKey ? NoiseCipherState.tagLength : 0)
            case .ee, .es, .se, .ss, .psk: hasKey = true
            }
        }
        return length + (hasKey ? NoiseCipherState.tagLength : 0)
    }

    private mutating func nextPreSharedKey() -> [UInt8] {
        defer { preSharedKeysUsed += 1 }
        return preSharedKeysUsed < preSharedKeys.count ? preSharedKeys[preSharedKeysUsed] : [UInt8](repeating: 0, count: Self.keyLength)
    }

    /// The DH of a token, from this side's point of view.
    private func agreement(_ token: NoiseHandshakePattern.Token) throws(NoiseError) -> [UInt8] {
        // For es, the initiator's e meets the responder's s; for se, the initiator's s meets the responder's e.
        let (localIsEphemeral, remoteIsEphemeral): (Bool, Bool) = switch token {
        case .ee: (true, true)
        case .ss: (false, false)
        case .es: isInitiator ? (true, false) : (false, true)
        default /* .se */: isInitiator ? (false, true) : (true, false)
        }
        guard let local = localIsEphemeral ? ephemeralKey : staticKey else {
            throw .missingKey(localIsEphemeral ? "this side's ephemeral key" : "this side's static key pair")
        }
        guard let remote = remoteIsEphemeral ? remoteEphemeralKey : remoteStaticKey else {
            throw .missingKey(remoteIsEphemeral ? "the peer's ephemeral key" : "the peer's static public key")
        }
        return try local.agreement(with: remote)
    }

    /// WriteMessage: the next handshake message, carrying `payload`.
    public mutating func writeMessage(payload: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard isMyTurn else { throw .outOfTurn(isComplete ? "the handshake is complete" : "the peer's message is next") }
        var next = self
        var message: [UInt8] = []
        for token in pattern.messages[messageIndex] {
            switch token {
            case .e:
                let e = next.presetEphemeralKey ?? NoiseKeyPair.generate()
                next.ephemeralKey = e
                message += e.publicKey
                next.symmetric.mixHash(e.publicKey)
                if pattern.usesPreSharedKeys { next.symmetric.mixKey(e.publicKey) }
            case .s:
                guard let s = next.staticKey else { throw .missingKey("this side's static key pair") }
                message += try next.symmetric.encryptAndHash(s.publicKey)
            case .ee, .es, .se, .ss:
                next.symmetric.mixKey(try next.agreement(token))
            case .psk:
                next.symmetric.mixKeyAndHash(next.nextPreSharedKey())
            }
        }
        message += try next.symmetric.encryptAndHash(payload)
        guard message.count <= Self.maxMessageLength else { throw .messageTooLong(message.count) }
        next.messageIndex += 1
        self = next
        return message
    }

    /// ReadMessage: the payload of the peer's next handshake message.
    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete, !isMyTurn else { throw .outOfTurn(isComplete ? "the handshake is complete" : "this side's message is next") }
        guard message.count <= Self.maxMessageLength else { throw .messageTooLong(message.count) }
        let overhead = nextMessageOverhead
        guard message.count >= overhead else { throw .messageTooShort(expected: overhead, actual: message.count) }
        var next = self
        var rest = message[...]
        func take(_ n: Int) -> [UInt8] {
            defer { rest = rest.dropFirst(n) }
            return Array(rest.prefix(n))
        }
        for token in pattern.messages[messageIndex] {
            switch token {
            case .e:
                let re = take(Self.keyLength)
                next.remoteEphemeralKey = re
                next.symmetric.mixHash(re)
                if pattern.usesPreSharedKeys { next.symmetric.mixKey(re) }
            case .s:
                let length = Self.keyLength + (next.symmetric.cipher.hasKey ? NoiseCipherState.tagLength : 0)
                next.remoteStaticKey = try next.symmetric.decryptAndHash(take(length))
            case .ee, .es, .se, .ss:
                next.symmetric.mixKey(try next.agreement(token))
            case .psk:
                next.symmetric.mixKeyAndHash(next.nextPreSharedKey())
            }
        }
        let payload = try next.symmetric.decryptAndHash(Array(rest))
        next.messageIndex += 1
        self = next
        return payload
    }

    /// Split: the transport once every handshake message is done.
    public func transport() throws(NoiseError) -> NoiseTransport {
        guard isComplete else { throw .handshakeIncomplete }
        let (initiatorToResponder, responderToInitiator) = symmetric.split()
        return NoiseTransport(
            sending: isInitiator ? initiatorToResponder : responderToInitiator,
            receiving: isInitiator ? responderToInitiator : initiatorToResponder,
            handshakeHash: symmetric.handshakeHash)
    }
}

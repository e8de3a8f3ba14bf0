/// A Noise protocol name of the one suite this implementation provides:
/// `Noise_<pattern>_25519_ChaChaPoly_BLAKE2s` (X25519, ChaCha20-Poly1305, BLAKE2s).
public struct NoiseProtocolName: Sendable, Hashable, CustomStringConvertible {
    /// The protocol `noise.prs` names as its default.
    public static let `default` = "Noise_NK_25519_ChaChaPoly_BLAKE2s"
    static let prefix = "Noise_"
    static let suffix = "_25519_ChaChaPoly_BLAKE2s"

    public let name: String
    public let pattern: NoiseHandshakePattern

    public init(_ name: String) throws(NoiseError) {
        guard name.hasPrefix(Self.prefix), name.hasSuffix(Self.suffix), name.count > Self.prefix.count + Self.suffix.count else {
            throw .unsupportedProtocol(name)
        }
        self.name = name
        pattern = try NoiseHandshakePattern.named(String(name.dropFirst(Self.prefix.count).dropLast(Self.suffix.count)))
    }

    public var description: String { name }
}

import Preserves
import SyndicateProtocols

extension NoiseHandshake {
    /// The protocol a `noise.prs` `NoiseProtocol` field names (the default when absent).
    static func protocolName<E>(_ field: Noise.NoiseProtocol<E>) throws(NoiseError) -> String {
        switch field {
        case .present(let name): name
        case .invalid(let value): throw .invalidSpecification("protocol \(value) is not a string")
        case .absent: NoiseProtocolName.default
        }
    }

    static func preSharedKeys<E>(_ field: Noise.NoisePreSharedKeys<E>) throws(NoiseError) -> [[UInt8]] {
        switch field {
        case .present(let keys): keys
        case .invalid(let value): throw .invalidSpecification("preSharedKeys \(value) is not a sequence of byte strings")
        case .absent: []
        }
    }

    /// The initiator's side of a session with the service `spec` describes (a `<noise …>`
    /// path step's detail): the responder's public key `key`, the protocol and pre-shared keys
    /// it names, the service selector's encoding as prologue.
    public init<E>(initiatorOf spec: Noise.NoiseSpec<E>, staticKey: NoiseKeyPair? = nil) throws(NoiseError) {
        try self.init(
            protocolName: Self.protocolName(spec.protocol), initiator: true,
            prologue: NoiseSession.prologue(service: spec.service),
            staticKey: staticKey, remoteStaticKey: spec.key.isEmpty ? nil : spec.key,
            preSharedKeys: Self.preSharedKeys(spec.preSharedKeys))
    }

    /// The responder's side, for a service bound with `<bind <noise spec> target observer>`:
    /// its `secretKey` is the static key (required when the pattern has a responder static key).
    public init<E>(responderOf spec: Noise.NoiseServiceSpec<E>, remoteStaticKey: [UInt8]? = nil) throws(NoiseError) {
        let staticKey: NoiseKeyPair?
        switch spec.secretKey {
        case .present(let secretKey): staticKey = try NoiseKeyPair(secretKey: secretKey)
        case .invalid(let value): throw .invalidSpecification("secretKey \(value) is not a byte string")
        case .absent: staticKey = nil
        }
        if let staticKey, !spec.base.key.isEmpty, staticKey.publicKey != spec.base.key {
            throw .invalidSpecification("secretKey does not belong to the public key given as key")
        }
        try self.init(
            protocolName: Self.protocolName(spec.base.protocol), initiator: false,
            prologue: NoiseSession.prologue(service: spec.base.service),
            staticKey: staticKey, remoteStaticKey: remoteStaticKey,
            preSharedKeys: Self.preSharedKeys(spec.base.preSharedKeys))
    }
}

import Foundation
import Preserves
import Syndicate
import SyndicateProtocols
import Testing
import TestSupport

/// The Noise implementation against the published test vectors of its suite
/// (Tests/Fixtures/noise-vectors-25519-ChaChaPoly-BLAKE2s.json, from cacophony), and its
/// failures: a wrong key ends the handshake with a typed error.
@Suite struct NoiseVectorTests {
    struct VectorFile: Decodable {
        var vectors: [Vector]
    }

    struct Vector: Decodable, CustomStringConvertible {
        struct Message: Decodable {
            var payload: String
            var ciphertext: String
        }
        var protocol_name: String
        var init_prologue: String
        var init_psks: [String]?
        var init_static: String?
        var init_ephemeral: String
        var init_remote_static: String?
        var resp_prologue: String
        var resp_psks: [String]?
        var resp_static: String?
        var resp_ephemeral: String?
        var resp_remote_static: String?
        var handshake_hash: String
        var messages: [Message]
        var description: String { protocol_name }
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var chars = text.makeIterator()
        while let high = chars.next(), let low = chars.next() {
            bytes.append(UInt8(String([high, low]), radix: 16)!)
        }
        return bytes
    }

    static let vectors: [Vector] = {
        let path = SharedMaterial.repoPath("Tests/Fixtures/noise-vectors-25519-ChaChaPoly-BLAKE2s.json")
        guard let data = FileManager.default.contents(atPath: path),
              let file = try? JSONDecoder().decode(VectorFile.self, from: data) else { return [] }
        return file.vectors
    }()

    static func keyPair(_ hexKey: String?) throws -> NoiseKeyPair? {
        try hexKey.map { try NoiseKeyPair(secretKey: hex($0)) }
    }

    static func handshakes(_ v: Vector) throws -> (initiator: NoiseHandshake, responder: NoiseHandshake) {
        let initiator = try NoiseHandshake(
            protocolName: v.protocol_name, initiator: true, prologue: hex(v.init_prologue),
            staticKey: keyPair(v.init_static), remoteStaticKey: v.init_remote_static.map(hex),
            preSharedKeys: (v.init_psks ?? []).map(hex), ephemeralKey: keyPair(v.init_ephemeral))
        let responder = try NoiseHandshake(
            protocolName: v.protocol_name, initiator: false, prologue: hex(v.resp_prologue),
            staticKey: keyPair(v.resp_static), remoteStaticKey: v.resp_remote_static.map(hex),
            preSharedKeys: (v.resp_psks ?? []).map(hex), ephemeralKey: keyPair(v.resp_ephemeral))
        return (initiator, responder)
    }

    @Test func theVectorFileCoversTheDefaultProtocolAndItsPSKVariants() {
        let names = Set(Self.vectors.map(\.protocol_name))
        #expect(Self.vectors.count >= 36)
        for name in ["Noise_NK_25519_ChaChaPoly_BLAKE2s", "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2s", "Noise_NKpsk2_25519_ChaChaPoly_BLAKE2s"] {
            #expect(names.contains(name))
        }
    }

    @Test(arguments: vectors)
    func vector(_ v: Vector) throws {
        var (initiator, responder) = try Self.handshakes(v)
        var messages = v.messages[...]
        var index = 0
        // Handshake messages, alternately from initiator and responder.
        while !initiator.isComplete {
            let popped = messages.popFirst()
            let message = try #require(popped, "\(v): the vector ends inside the handshake")
            let payload = Self.hex(message.payload)
            let fromInitiator = index % 2 == 0
            #expect(fromInitiator ? initiator.isMyTurn : responder.isMyTurn)
            let written = fromInitiator ? try initiator.writeMessage(payload: payload) : try responder.writeMessage(payload: payload)
            #expect(written == Self.hex(message.ciphertext), "\(v): handshake message \(index)")
            let read = fromInitiator ? try responder.readMessage(written) : try initiator.readMessage(written)
            #expect(read == payload, "\(v): handshake message \(index) read back")
            index += 1
        }
        #expect(responder.isComplete)
        #expect(initiator.handshakeHash == Self.hex(v.handshake_hash), "\(v): handshake hash")
        #expect(responder.handshakeHash == Self.hex(v.handshake_hash))
        var i = try initiator.transport()
        var r = try responder.transport()
        // Transport messages: one-way patterns send only from the initiator.
        for message in messages {
            let payload = Self.hex(message.payload)
            let fromInitiator = initiator.pattern.isOneWay || index % 2 == 0
            let sealed = fromInitiator ? try i.encrypt(payload) : try r.encrypt(payload)
            #expect(sealed == Self.hex(message.ciphertext), "\(v): transport message \(index)")
            let opened = fromInitiator ? try r.decrypt(sealed) : try i.decrypt(sealed)
            #expect(opened == payload)
            index += 1
        }
    }

    /// NK as Syndicate uses it: the initiator knows the responder's public key; with the
    /// wrong one, the responder cannot read the first message, and says so with a typed error.
    @Test func aWrongResponderKeyFailsTheHandshake() throws {
        let server = NoiseKeyPair.generate()
        let impostor = NoiseKeyPair.generate()
        var initiator = try NoiseHandshake(initiator: true, prologue: [1, 2], remoteStaticKey: impostor.publicKey)
        var responder = try NoiseHandshake(initiator: false, prologue: [1, 2], staticKey: server)
        let first = try initiator.writeMessage()
        #expect(first.count == responder.nextMessageOverhead)
        #expect(throws: NoiseError.decryptionFailed) { try responder.readMessage(first) }
        // The failed read changed nothing: the responder still waits for a first message.
        #expect(responder.messageIndex == 0 && !responder.isMyTurn)
        #expect(throws: NoiseError.handshakeIncomplete) { try responder.transport() }
    }

    @Test func aDifferentPrologueOrPreSharedKeyFailsTheHandshake() throws {
        let server = NoiseKeyPair.generate()
        var initiator = try NoiseHandshake(initiator: true, prologue: Array("service-a".utf8), remoteStaticKey: server.publicKey)
        var responder = try NoiseHandshake(initiator: false, prologue: Array("service-b".utf8), staticKey: server)
        #expect(throws: NoiseError.decryptionFailed) { try responder.readMessage(try initiator.writeMessage()) }

        let psk = NoiseHandshake.self
        var pskInitiator = try psk.init(
            protocolName: "Noise_NKpsk2_25519_ChaChaPoly_BLAKE2s", initiator: true, remoteStaticKey: server.publicKey,
            preSharedKeys: [[UInt8](repeating: 7, count: 32)])
        // The responder has no pre-shared keys: it uses the all-zero key, as noise.prs says.
        var pskResponder = try psk.init(protocolName: "Noise_NKpsk2_25519_ChaChaPoly_BLAKE2s", initiator: false, staticKey: server)
        _ = try pskResponder.readMessage(try pskInitiator.writeMessage())
        #expect(throws: NoiseError.decryptionFailed) { try pskInitiator.readMessage(try pskResponder.writeMessage()) }
    }

    @Test func badParametersAreTypedErrors() throws {
        #expect(throws: NoiseError.unsupportedProtocol("Noise_NK_448_AESGCM_SHA512")) {
            try NoiseHandshake(protocolName: "Noise_NK_448_AESGCM_SHA512", initiator: true)
        }
        #expect(throws: NoiseError.unknownPattern("QQ")) { try NoiseHandshake(protocolName: "Noise_QQ_25519_ChaChaPoly_BLAKE2s", initiator: true) }
        #expect(throws: NoiseError.unknownPattern("NNpsk9")) { try NoiseHandshake(protocolName: "Noise_NNpsk9_25519_ChaChaPoly_BLAKE2s", initiator: true) }
        #expect(throws: NoiseError.missingKey("the responder's static public key")) { try NoiseHandshake(initiator: true) }
        #expect(throws: NoiseError.invalidKeyLength(role: "the remote static public key", length: 3)) {
            try NoiseHandshake(initiator: true, remoteStaticKey: [1, 2, 3])
        }
        let server = NoiseKeyPair.generate()
        var responder = try NoiseHandshake(initiator: false, staticKey: server)
        #expect(throws: NoiseError.messageTooShort(expected: 48, actual: 5)) { try responder.readMessage([1, 2, 3, 4, 5]) }
        #expect(throws: NoiseError.outOfTurn("the peer's message is next")) { try responder.writeMessage() }
        #expect(throws: NoiseError.messageTooLong(70000)) { try responder.readMessage([UInt8](repeating: 0, count: 70000)) }
    }

    /// The noise.prs session layer: big payloads are fragmented into transport messages and
    /// reassembled; a tampered fragment is refused; the specs' fields set up the handshake.
    @Test func sessionPacketsFromTheSchemasSpecs() throws {
        let server = NoiseKeyPair.generate()
        let service: Noise.ServiceSelector<IOEmbedded> = .symbol("world")
        let spec = Noise.NoiseSpec<IOEmbedded>(key: server.publicKey, service: service, protocol: .absent, preSharedKeys: .absent)
        let serviceSpec = Noise.NoiseServiceSpec<IOEmbedded>(base: spec, secretKey: .present(secretKey: server.secretKey))
        var initiator = try NoiseHandshake(initiatorOf: spec)
        var responder = try NoiseHandshake(responderOf: serviceSpec)
        _ = try responder.readMessage(try initiator.writeMessage())
        _ = try initiator.readMessage(try responder.writeMessage())
        var client = NoiseSession(transport: try initiator.transport())
        var serverSession = NoiseSession(transport: try responder.transport(), maxPacketSize: 200_000)

        let small: [UInt8] = [0xB4, 0xB3, 0x01, 0x61, 0x84, 0x80, 0x80]
        let packet = try client.seal(small)
        guard case .complete = packet else { Issue.record("a small payload is one message"); return }
        let opened = try serverSession.open(packet)
        #expect(opened == small)
        #expect(Array(NoiseSession.withoutPadding(opened)) == [0xB4, 0xB3, 0x01, 0x61, 0x84])

        let big = (0..<150_000).map { UInt8(truncatingIfNeeded: $0) }
        let fragmented = try client.seal(big)
        guard case .fragmented(let pieces) = fragmented else { Issue.record("a big payload is fragmented"); return }
        #expect(pieces.count == 3 && pieces.allSatisfy { $0.count <= 65535 })
        let reassembled = try serverSession.open(fragmented)
        #expect(reassembled == big)
        // The round trip through the generated type, as it crosses the relay.
        #expect(try Noise.Packet(preserves: fragmented.preserves(as: IOEmbedded.self)) == fragmented)

        var tampered = try client.seal(small)
        if case .complete(var bytes) = tampered { bytes[0] ^= 1; tampered = .complete(bytes) }
        #expect(throws: NoiseError.decryptionFailed) { try serverSession.open(tampered) }

        // A responder whose secret key does not match the published key refuses to start.
        let wrong = Noise.NoiseServiceSpec<IOEmbedded>(base: spec, secretKey: .present(secretKey: NoiseKeyPair.generate().secretKey))
        #expect(throws: NoiseError.invalidSpecification("secretKey does not belong to the public key given as key")) {
            try NoiseHandshake(responderOf: wrong)
        }
    }
}

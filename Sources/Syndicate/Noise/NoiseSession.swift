import Preserves
import SyndicateProtocols

/// The Syndicate protocol over Noise, as `noise.prs` lays it out, once the handshake is done:
/// each `noise.Packet` is one transport message (`complete`) or several (`fragmented`, when the
/// plaintext is over ``NoiseTransport/maxPlaintextLength``), and its plaintext is zero or more
/// binary `protocol.Packet`s followed by zero or more `0x80` padding bytes.
public struct NoiseSession: Sendable {
    public private(set) var transport: NoiseTransport
    /// The largest reassembled plaintext accepted from the peer.
    public var maxPacketSize: Int

    public init(transport: NoiseTransport, maxPacketSize: Int = 1 << 24) {
        self.transport = transport
        self.maxPacketSize = maxPacketSize
    }

    /// The packet that carries `plaintext`.
    public mutating func seal(_ plaintext: [UInt8]) throws(NoiseError) -> Noise.Packet {
        if plaintext.count <= NoiseTransport.maxPlaintextLength {
            return .complete(try transport.encrypt(plaintext))
        }
        var pieces: [[UInt8]] = []
        var start = 0
        while start < plaintext.count {
            let end = min(start + NoiseTransport.maxPlaintextLength, plaintext.count)
            pieces.append(try transport.encrypt(Array(plaintext[start..<end])))
            start = end
        }
        return .fragmented(pieces)
    }

    /// The plaintext of a packet from the peer, its fragments reassembled. A fragment that does
    /// not authenticate throws ``NoiseError/decryptionFailed``; the session should then end.
    public mutating func open(_ packet: Noise.Packet) throws(NoiseError) -> [UInt8] {
        switch packet {
        case .complete(let message):
            return try transport.decrypt(message)
        case .fragmented(let pieces):
            var plaintext: [UInt8] = []
            for piece in pieces {
                let part = try transport.decrypt(piece)
                guard plaintext.count + part.count <= maxPacketSize else {
                    throw .packetTooLarge(size: plaintext.count + part.count, limit: maxPacketSize)
                }
                plaintext += part
            }
            return plaintext
        }
    }

    /// A decrypted payload without its padding: every `protocol.Packet` is a record, whose
    /// encoding ends in `0x84`, so trailing `0x80` bytes are padding.
    public static func withoutPadding(_ plaintext: [UInt8]) -> ArraySlice<UInt8> {
        var end = plaintext.endIndex
        while end > plaintext.startIndex, plaintext[end - 1] == 0x80 { end -= 1 }
        return plaintext[..<end]
    }

    /// The prologue of a session for `service`: its canonical binary encoding.
    public static func prologue<E>(service: Noise.ServiceSelector<E>) throws(NoiseError) -> [UInt8] {
        do {
            return try SturdyRefs.canonicalBytes(service)
        } catch {
            throw .unencodableServiceSelector
        }
    }
}

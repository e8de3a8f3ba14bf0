import Preserves
import SyndicateProtocols

/// Encodes packets in the syntax the peer speaks.
public struct PacketWriter: Sendable {
    // Canonical (sorted dictionaries and sets), so output is deterministic and byte-identical to upstream peers.
    private let binary = PacketWriter.binaryWriter
    /// The binary writer of packets: canonical.
    static let binaryWriter = BinaryWriter<WireEmbedded>(options: .canonical)
    private let text = TextWriter<WireEmbedded>(options: .compact)

    public init() {}

    /// The bytes of `packet`: binary, or one line of text. `capacityHint` sizes the output
    /// up front (the relay passes the size of its last packet, so output rarely regrows).
    public func encode(_ packet: WirePacket, syntax: WireSyntax, capacityHint: Int = 64) -> [UInt8] {
        switch syntax {
        case .binary:
            // Straight from the generated types: no `Value` tree is built for the envelope.
            return binary.encode(packet, reservingCapacity: min(max(capacityHint, 64), 1 << 20))
        case .text:
            var line = text.write(packet.preserves)
            line.append("\n")
            return Array(line.utf8)
        }
    }
}

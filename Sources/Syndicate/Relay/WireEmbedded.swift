import Preserves
import SyndicateProtocols

/// An embedded value as it travels between relays: a `sturdy.WireRef`, naming an object
/// exported by the sender (`mine`) or by the receiver (`yours`).
///
/// Reading a packet with this embedded type checks every `#:` against the generated
/// `Sturdy.WireRef` at once, so the relay never sees an embedded value it cannot interpret.
public struct WireEmbedded: PreservesEmbeddedCodable, CustomStringConvertible {
    public var wireRef: Sturdy.WireRef<WireEmbedded>

    public init(_ wireRef: Sturdy.WireRef<WireEmbedded>) {
        self.wireRef = wireRef
    }

    public init(preservesRepresentation: Value<WireEmbedded>) throws {
        self.wireRef = try Sturdy.WireRef(preserves: preservesRepresentation)
    }

    public var preservesRepresentation: Value<WireEmbedded> { wireRef.preserves }

    public static func < (lhs: WireEmbedded, rhs: WireEmbedded) -> Bool {
        lhs.preservesRepresentation < rhs.preservesRepresentation
    }

    public var description: String { "#:\(preservesRepresentation)" }
}

/// A value as it appears on the wire.
public typealias WireValue = Value<WireEmbedded>

/// A packet of the Syndicate network protocol, as read from or written to a peer.
public typealias WirePacket = Protocol.Packet<WireEmbedded>

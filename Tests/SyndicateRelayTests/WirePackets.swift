import Preserves
import Syndicate
import SyndicateProtocols

/// Packets for hand-driven peers, built with the generated protocol types.
enum WirePackets {
    static let wellKnownRef = #"<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>"#

    /// `[[0 <A <resolve REF #:[0 observerOid]> handle>]]`
    static func resolve(_ ref: Sturdy.SturdyRef<WireEmbedded>, observerOid: Int = 0, handle: Int = 1) -> WirePacket {
        let request = Gatekeeper.Resolve<WireEmbedded>(
            step: Gatekeeper.Step(stepType: "ref", detail: ref.parameters.preserves),
            observer: WireEmbedded(.mine(oid: SignedInteger(observerOid))))
        return turn(oid: 0, .assert(Protocol.Assert(assertion: request.preserves, handle: SignedInteger(handle))))
    }

    static var wellKnown: Sturdy.SturdyRef<WireEmbedded> {
        // The text is a constant that parses.
        try! Sturdy.SturdyRef<WireEmbedded>(preserves: try! Value<WireEmbedded>(text: wellKnownRef))
    }

    static func turn(oid: Int, _ event: Protocol.Event<WireEmbedded>) -> WirePacket {
        .turn([Protocol.TurnEvent(oid: SignedInteger(oid), event: event)])
    }

    static func assert(oid: Int, _ value: WireValue, handle: Int) -> WirePacket {
        turn(oid: oid, .assert(Protocol.Assert(assertion: value, handle: SignedInteger(handle))))
    }

    static func message(oid: Int, _ value: WireValue) -> WirePacket {
        turn(oid: oid, .message(Protocol.Message(body: value)))
    }

    static func observe(oid: Int, _ pattern: Pattern, observerOid: Int, handle: Int) -> WirePacket {
        let wirePattern = try! DataspacePatterns.Pattern<WireEmbedded>(
            preserves: pattern.preserves.mapEmbedded { _ in WireEmbedded(.mine(oid: 0)) })
        let observe = Dataspace.Observe<WireEmbedded>(pattern: wirePattern, observer: WireEmbedded(.mine(oid: SignedInteger(observerOid))))
        return assert(oid: oid, observe.preserves, handle: handle)
    }

    static func encode(_ packet: WirePacket, _ syntax: WireSyntax = .binary) -> [UInt8] {
        PacketWriter().encode(packet, syntax: syntax)
    }

    /// The assertions in `packets`, in order, with the oid they were sent to.
    static func assertions(in packets: [WirePacket]) -> [(oid: Int, value: WireValue)] {
        var out: [(Int, WireValue)] = []
        for case .turn(let events) in packets {
            for event in events {
                if case .assert(let a) = event.event { out.append((event.oid.int ?? -1, a.assertion)) }
            }
        }
        return out
    }

    static func messages(in packets: [WirePacket]) -> [WireValue] {
        var out: [WireValue] = []
        for case .turn(let events) in packets {
            for event in events {
                if case .message(let m) = event.event { out.append(m.body) }
            }
        }
        return out
    }

    static func errors(in packets: [WirePacket]) -> [Protocol.Error<WireEmbedded>] {
        packets.compactMap { if case .error(let e) = $0 { return e } else { return nil } }
    }

    /// The oid of the session a gatekeeper answer `<accepted #:[0 oid]>` hands out.
    static func acceptedOid(in packets: [WirePacket]) -> Int? {
        for (_, value) in assertions(in: packets) {
            if case .accepted(let session)? = try? Gatekeeper.Resolved<WireEmbedded>(preserves: value),
               case .mine(let oid) = session.wireRef {
                return oid.int
            }
        }
        return nil
    }
}

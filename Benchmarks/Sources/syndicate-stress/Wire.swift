import Preserves
import Syndicate
import SyndicateProtocols

/// Packets of the Syndicate protocol built and read as plain Preserves values, so that the
/// suite can also send what no well-behaved client would.
enum Wire {
    static let wellKnownRefText = #"<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>"#
    // A constant that parses.
    static let wellKnownRef = try! WireValue(text: wellKnownRefText)

    /// `#:[0 oid]`: an object the sender (this suite) exports.
    static func ref(_ oid: Int) -> WireValue {
        .embedded(WireEmbedded(.mine(oid: SignedInteger(oid))))
    }

    static func turn(_ events: [(oid: Int, event: WireValue)]) -> WireValue {
        .sequence(events.map { .sequence([.integer($0.oid), $0.event]) })
    }

    static func turn(oid: Int, _ event: WireValue) -> WireValue { turn([(oid, event)]) }

    static func assert(_ value: WireValue, handle: Int) -> WireValue { .record("A", value, .integer(handle)) }
    static func retract(handle: Int) -> WireValue { .record("R", .integer(handle)) }
    static func message(_ body: WireValue) -> WireValue { .record("M", body) }
    static func sync(peer: Int) -> WireValue { .record("S", ref(peer)) }
    static let nop: WireValue = .boolean(false)

    /// `[[0 <A <resolve <ref …> #:[0 observer]> handle>]]`: asks the gatekeeper for the root
    /// dataspace behind the well-known sturdy ref.
    static func resolve(observer: Int = 0, handle: Int = 1) -> WireValue {
        turn(oid: 0, assert(.record("resolve", wellKnownRef, ref(observer)), handle: handle))
    }

    /// `<Observe <group <rec LABEL> {0: p0 1: p1 …}> #:[0 observer]>`.
    static func observe(label: Symbol, fields: [WireValue], observer: Int) -> WireValue {
        var entries: [WireValue: WireValue] = [:]
        for (i, field) in fields.enumerated() { entries[.integer(i)] = field }
        let pattern: WireValue = .record("group", .record("rec", .symbol(label)), .dictionary(entries))
        return .record("Observe", pattern, ref(observer))
    }

    /// Pattern pieces: capture anything, match anything, match a literal.
    static let capture: WireValue = .record("bind", .record("_"))
    static let discard: WireValue = .record("_")
    static func literal(_ value: WireValue) -> WireValue { .record("lit", value) }

    static func encode(_ packet: WireValue) -> [UInt8] { packet.binary() }

    static func encodeText(_ packet: WireValue) -> [UInt8] { Array((packet.text() + "\n").utf8) }

    // MARK: Reading

    /// The events of a Turn packet, or nil for any other packet.
    static func events(of packet: WireValue) -> [(oid: Int, event: WireValue)]? {
        guard case .sequence(let items) = packet else { return nil }
        var out: [(Int, WireValue)] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .sequence(let pair) = item, pair.count == 2, let oid = pair[0].int else { return nil }
            out.append((oid, pair[1]))
        }
        return out
    }

    /// The message of an `<error message detail>` packet.
    static func errorMessage(of packet: WireValue) -> String? {
        guard case .record(let r) = packet, r.label == .symbol("error"), r.fields.count >= 1 else { return nil }
        if case .string(let s) = r.fields[0] { return s }
        return "\(r.fields[0])"
    }

    /// The oid handed out by `<accepted #:[0 oid]>` in an assertion of this packet.
    static func acceptedOid(in packet: WireValue) -> Int? {
        for (_, event) in events(of: packet) ?? [] {
            guard case .record(let a) = event, a.label == .symbol("A"), a.fields.count == 2,
                  case .record(let resolved) = a.fields[0], resolved.label == .symbol("accepted"),
                  resolved.fields.count == 1, case .embedded(let e) = resolved.fields[0],
                  case .mine(let oid) = e.wireRef
            else { continue }
            return oid.int
        }
        return nil
    }

    /// The body of a message event to `oid`, if the event is one.
    static func messageBody(_ event: (oid: Int, event: WireValue), to oid: Int) -> WireValue? {
        guard event.oid == oid, case .record(let m) = event.event, m.label == .symbol("M"), m.fields.count == 1 else { return nil }
        return m.fields[0]
    }

    /// Whether `packet` holds a message event (any body) for `oid`.
    static func hasMessage(_ packet: WireValue, to oid: Int, where match: (WireValue) -> Bool = { _ in true }) -> Bool {
        (events(of: packet) ?? []).contains { messageBody($0, to: oid).map(match) ?? false }
    }

    /// Message events in `packet`, whatever their target.
    static func messageCount(_ packet: WireValue) -> Int {
        guard case .sequence(let items) = packet else { return 0 }
        var n = 0
        for item in items {
            if case .sequence(let pair) = item, pair.count == 2, case .record(let m) = pair[1], m.label == .symbol("M") { n += 1 }
        }
        return n
    }
}

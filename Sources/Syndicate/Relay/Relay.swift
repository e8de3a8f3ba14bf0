import Logging
import Preserves
import SyndicateProtocols

/// The protocol state of one relay link: the export and import membranes, the handles of
/// assertions in each direction, and the turn being assembled for the peer.
///
/// A `Relay` belongs to its session's actor and is used only in that actor's turns. One
/// inbound packet is handled in one turn; everything the actor's entities send towards the
/// peer during one turn leaves as one `Turn` packet when the turn commits.
///
/// The tables touched for every event are not checked for exclusivity at run time (the checks
/// cost more than the work): they belong to the session's actor, and their mutations call out
/// to nothing that could touch them again.
final class Relay {
    let transport: any RelayTransport
    let logger: Logger
    private let writer = PacketWriter()
    /// The syntax of our output: that of the last packet the peer sent.
    var syntax: WireSyntax = .binary

    @exclusivity(unchecked) private var exported = Membrane()
    @exclusivity(unchecked) private var imported = Membrane()
    private var nextExportOid = 0
    /// The peer's assertions, by the peer's handle.
    private var inboundAssertions: [Protocol.Handle: (handle: Handle, pins: PinSet)] = [:]
    /// Our assertions to the peer's objects, by our handle.
    private var outboundAssertions: [Handle: PinSet] = [:]
    /// Objects we exported as the peer of a `sync`, released when the peer answers.
    @exclusivity(unchecked) private var syncPeers: [Int: WireSymbol] = [:]
    /// This turn's events for a peer that speaks text, sent as one packet when the turn commits.
    @exclusivity(unchecked) private var pendingEvents: [Protocol.TurnEvent<WireEmbedded>] = []
    /// This turn's events for a peer that speaks binary, encoded as they come into the Turn
    /// packet being built (`pendingBinaryCount` of them so far).
    @exclusivity(unchecked) private var pendingBinary = BinaryEmitter(writer: PacketWriter.binaryWriter)
    @exclusivity(unchecked) private var pendingBinaryCount = 0
    @exclusivity(unchecked) private var flushScheduled = false
    /// The syntax of the packet being assembled, fixed by its first event.
    @exclusivity(unchecked) private var batchSyntax: WireSyntax = .binary
    /// The exported object the last inbound event was for: most packets address one object.
    @exclusivity(unchecked) private var lastTarget: WireSymbol?
    /// The size of the last Turn packet, to size the next one's buffer.
    private var lastPacketSize = 0
    private(set) var isClosed = false

    init(transport: any RelayTransport, logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// Exports `ref` as the next oid (oid 0 for the first), pinned for the whole session.
    @discardableResult
    func exportPermanently(_ ref: Ref) -> Int {
        let oid = nextExportOid
        nextExportOid += 1
        exported.pin(exported.insert(oid: oid, ref: ref))
        return oid
    }

    /// Imports the peer's object `oid` as a proxy, pinned for the whole session.
    func importPermanently(_ turn: Turn, oid: Int) -> Ref {
        let symbol = importedSymbol(turn, oid: oid)
        imported.pin(symbol)
        return symbol.ref
    }

    // MARK: Inbound

    /// Handles one packet from the peer, in the current turn. With `holdsEmbedded: false`
    /// (the reader met no embedded value in it) values cross the membrane unexamined.
    /// (`packet` is left as a `nop`.)
    func handle(_ turn: Turn, _ packet: inout WirePacket, holdsEmbedded: Bool = true) throws(RelayError) {
        switch packet {
        case .turn(var events):
            // Each event is moved out of the array (held only here once `packet` lets go of
            // it) and handed on, so its values reach the turn without a copy here and a
            // release when the array goes. Its slot gets a trivial event in its place.
            packet = .nop(Protocol.Nop())
            try events.withUnsafeMutableBufferPointer { buffer throws(RelayError) in
                guard let base = buffer.baseAddress else { return }
                for i in 0..<buffer.count {
                    let event = (base + i).move()
                    (base + i).initialize(to: Self.placeholderEvent)
                    try handle(turn, event, holdsEmbedded)
                }
            }
        case .error(let error):
            throw RelayError(.peerError, "peer reported an error: \(error.message) \(error.detail)")
        case .extension(let ext):
            logger.debug("ignoring protocol extension", metadata: ["label": "\(ext.label)"])
        case .nop:
            break
        }
    }

    /// What a moved-out event leaves in its slot: no references, nothing to release.
    private static let placeholderEvent = Protocol.TurnEvent<WireEmbedded>(oid: .small(0), event: .retract(Protocol.Retract(handle: .small(0))))

    private func handle(_ turn: Turn, _ event: __owned Protocol.TurnEvent<WireEmbedded>, _ holdsEmbedded: Bool) throws(RelayError) {
        guard let oid = event.oid.int, let target = exportedTarget(oid: oid) else {
            logDropped(event.oid)
            return
        }
        switch event.event {
        case .assert(let a):
            if inboundAssertions[a.handle] != nil {
                throw RelayError(.protocolViolation, "assertion with duplicate handle \(a.handle)")
            }
            var pins = PinSet()
            let value = holdsEmbedded ? try importValue(turn, a.assertion, &pins) : a.assertion.reinterpretedKnowingNoEmbedded()
            exported.pin(target)
            pins.exported.append(target)
            let handle = turn.assert(target.ref, value)
            inboundAssertions[a.handle] = (handle, pins)
        case .retract(let r):
            guard let entry = inboundAssertions.removeValue(forKey: r.handle) else { return }
            inboundAssertions.shrinkIfSparse()
            turn.retract(entry.handle)
            release(entry.pins)
        case .message(let m):
            if !holdsEmbedded {
                turn.message(target.ref, m.body.reinterpretedKnowingNoEmbedded())
            } else {
                var pins = PinSet()
                let value = try importValue(turn, m.body, &pins)
                try rejectTransientImports(pins)
                turn.message(target.ref, value)
                release(pins)
            }
            if !syncPeers.isEmpty, let peer = syncPeers.removeValue(forKey: oid) { exported.release(peer) }
        case .sync(let s):
            var pins = PinSet()
            let peer = try importRef(turn, s.peer, &pins)
            turn.sync(target.ref) { turn in turn.message(peer, .boolean(true)) }
            release(pins)
        }
    }

    /// The exported object `oid` names, if any.
    private func exportedTarget(oid: Int) -> WireSymbol? {
        // A symbol leaves the table when its last pin goes, and oids are never reused, so a
        // remembered symbol that is still pinned is still the one the table has for its oid.
        if let last = lastTarget, last.oid == oid, last.pins > 0 { return last }
        let symbol = exported.symbol(oid: oid)
        lastTarget = symbol
        return symbol
    }

    @inline(never)
    private func logDropped(_ oid: Protocol.Oid) {
        logger.debug("event for unknown oid dropped", metadata: ["oid": "\(oid)"])
    }

    private func importValue(_ turn: Turn, _ value: WireValue, _ pins: inout PinSet) throws(RelayError) -> AnyValue {
        do {
            return try value.mapEmbedded { try importRef(turn, $0, &pins) }
        } catch let error as RelayError {
            throw error
        } catch {
            throw RelayError(.malformedPacket, "bad embedded reference: \(error)")
        }
    }

    private func importRef(_ turn: Turn, _ wire: WireEmbedded, _ pins: inout PinSet) throws(RelayError) -> Ref {
        switch wire.wireRef {
        case .mine(let oid):
            guard let oid = oid.int, oid >= 0 else { throw RelayError(.protocolViolation, "bad oid \(oid)") }
            let symbol = importedSymbol(turn, oid: oid)
            imported.pin(symbol)
            pins.imported.append(symbol)
            return symbol.ref
        case .yours(let oid, let attenuation):
            guard let oid = oid.int, let symbol = exported.symbol(oid: oid) else {
                // Upstream binds an unknown `yours` to an object that ignores everything.
                return turn.ref(InertEntity())
            }
            exported.pin(symbol)
            pins.exported.append(symbol)
            if attenuation.isEmpty { return symbol.ref }
            var caveats: [Sturdy.Caveat<Ref>] = []
            for caveat in attenuation {
                let local = try importValue(turn, caveat.preserves, &pins)
                guard let parsed = try? Sturdy.Caveat<Ref>(preserves: local) else {
                    throw RelayError(.malformedPacket, "bad caveat in attenuated reference")
                }
                caveats.append(parsed)
            }
            return symbol.ref.attenuated(by: caveats)
        }
    }

    /// A reference the peer introduces in a message, with nothing else holding it, would be
    /// known to no one once the message is handled: the receiver could never use it. As
    /// syndicate-rs does, the sender is told off instead of the message being relayed (some
    /// receivers, syndicate-py among them, fail on such a reference).
    private func rejectTransientImports(_ pins: PinSet) throws(RelayError) {
        guard !pins.imported.isEmpty else { return }
        var uses: [ObjectIdentifier: Int] = [:]
        for symbol in pins.imported { uses[ObjectIdentifier(symbol), default: 0] += 1 }
        for symbol in pins.imported where symbol.pins == uses[ObjectIdentifier(symbol)] {
            release(pins)
            throw RelayError(.protocolViolation, "Cannot receive transient reference #:[0 \(symbol.oid)]")
        }
    }

    private func importedSymbol(_ turn: Turn, oid: Int) -> WireSymbol {
        if let symbol = imported.symbol(oid: oid) { return symbol }
        let proxy = turn.ref(RelayEntity(relay: self, oid: oid))
        return imported.insert(oid: oid, ref: proxy)
    }

    private func release(_ pins: PinSet) {
        if pins.exported.isEmpty && pins.imported.isEmpty { return }
        for symbol in pins.exported { exported.release(symbol) }
        for symbol in pins.imported { imported.release(symbol) }
    }

    // MARK: Outbound

    func sendAssert(_ turn: Turn, oid: Int, _ value: AnyValue, _ handle: Handle) {
        guard !isClosed else { return }
        var pins = PinSet()
        if let target = imported.symbol(oid: oid) {
            imported.pin(target)
            pins.imported.append(target)
        }
        let wire = exportValue(value, &pins)
        outboundAssertions[handle] = pins
        enqueue(turn, oid, .assert(Protocol.Assert(assertion: wire, handle: SignedInteger(handle.rawValue))))
    }

    func sendRetract(_ turn: Turn, oid: Int, _ handle: Handle) {
        guard !isClosed else { return }
        guard let pins = outboundAssertions.removeValue(forKey: handle) else { return }
        outboundAssertions.shrinkIfSparse()
        enqueue(turn, oid, .retract(Protocol.Retract(handle: SignedInteger(handle.rawValue))))
        release(pins)
    }

    func sendMessage(_ turn: Turn, oid: Int, _ value: AnyValue) {
        guard !isClosed else { return }
        // A body without embedded values is encoded once for all the peers it goes to (a
        // message to many subscribers); one with embedded values differs from peer to peer.
        let binary = (flushScheduled ? batchSyntax : syntax) == .binary
        if binary, let identity = value.storageIdentity {
            enqueueBinaryMessage(turn, oid, value, identity)
            return
        }
        var pins = PinSet()
        let wire = exportValue(value, &pins)
        enqueue(turn, oid, .message(Protocol.Message(body: wire)))
        release(pins)
    }

    /// The writer of message bodies in the local embedding, for bodies that turn out to hold
    /// no embedded value (their bytes are then those of the wire embedding); what it writes
    /// for an embedded value is thrown away.
    private static let localBodyWriter = BinaryWriter<Ref>(options: .canonical) { _ in .boolean(false) }

    /// Writes a message into the binary packet of this turn. A body without embedded values
    /// is written as it is, with no walk across the membrane, and the body's first recipient
    /// leaves a copy of the event's bytes for the others (see ``MessageBodyEncodings``); one
    /// with embedded values is written again through the membrane, and not shared (the table
    /// must not keep its references).
    private func enqueueBinaryMessage(_ turn: Turn, _ oid: Int, _ body: AnyValue, _ identity: ValueStorageIdentity) {
        startEvent(turn)
        let start = pendingBinary.output.count
        // `[oid <M body>]`, as `Protocol.TurnEvent.write(to:)` writes it.
        MessageBodyEncodings.beginTurnEvent(oid: oid, to: &pendingBinary)
        let eventStart = pendingBinary.output.count
        let found = MessageBodyEncodings.shared.find(identity, body: body, appendingTo: &pendingBinary.output)
        if case .encoded = found {
            pendingBinary.end()
            return
        }
        // The body is written in its own embedding, the emitter noting any embedded value it
        // meets on the way: one walk of the body, where checking it first would be two.
        var local = BinaryEmitter(writer: Self.localBodyWriter)
        swap(&local.output, &pendingBinary.output)
        Protocol.Event<Ref>.message(Protocol.Message(body: body)).write(to: &local)
        swap(&local.output, &pendingBinary.output)
        if local.embeddedCount == 0 {
            let eventEnd = pendingBinary.output.count
            pendingBinary.end()
            if case .first = found {
                MessageBodyEncodings.shared.keep(identity, eventBytes: pendingBinary.output[eventStart..<eventEnd])
            }
            return
        }
        pendingBinary.output.removeSubrange(start...)
        if case .first = found { MessageBodyEncodings.shared.forget(identity) }
        var pins = PinSet()
        let wire = exportValue(body, &pins)
        Protocol.TurnEvent(oid: SignedInteger(oid), event: .message(Protocol.Message(body: wire))).write(to: &pendingBinary)
        release(pins)
    }

    func sendSync(_ turn: Turn, oid: Int, peer: Ref) {
        guard !isClosed else { return }
        var pins = PinSet()
        let wire = exportRef(peer, &pins)
        // The peer answers with a message to this object; keep it known until then.
        if case .mine(let peerOid) = wire.wireRef, let peerOid = peerOid.int, let symbol = exported.symbol(oid: peerOid) {
            exported.pin(symbol)
            syncPeers[peerOid] = symbol
        }
        enqueue(turn, oid, .sync(Protocol.Sync(peer: wire)))
        release(pins)
    }

    private func exportValue(_ value: AnyValue, _ pins: inout PinSet) -> WireValue {
        value.mapEmbedded { exportRef($0, &pins) }
    }

    private func exportRef(_ ref: Ref, _ pins: inout PinSet) -> WireEmbedded {
        if let symbol = imported.symbol(ref: ref) {
            imported.pin(symbol)
            pins.imported.append(symbol)
            return WireEmbedded(.yours(oid: SignedInteger(symbol.oid), attenuation: []))
        }
        let symbol: WireSymbol
        if let existing = exported.symbol(ref: ref) {
            symbol = existing
        } else {
            symbol = exported.insert(oid: nextExportOid, ref: ref)
            nextExportOid += 1
        }
        exported.pin(symbol)
        pins.exported.append(symbol)
        return WireEmbedded(.mine(oid: SignedInteger(symbol.oid)))
    }

    /// Adds `event` to the packet of this turn.
    private func enqueue(_ turn: Turn, _ oid: Int, _ event: Protocol.Event<WireEmbedded>) {
        guard !isClosed else { return }
        startEvent(turn)
        let turnEvent = Protocol.TurnEvent(oid: SignedInteger(oid), event: event)
        if batchSyntax == .binary {
            turnEvent.write(to: &pendingBinary)
        } else {
            pendingEvents.append(turnEvent)
        }
    }

    /// Schedules the packet of this turn at its first event, and opens it if it is binary.
    @inline(__always)
    private func startEvent(_ turn: Turn) {
        if !flushScheduled {
            flushScheduled = true
            batchSyntax = syntax
            turn.preCommitActions.append { [self] turn in flush(turn) }
        }
        guard batchSyntax == .binary else { return }
        if pendingBinaryCount == 0 {
            // A Turn packet is the sequence of its events (`protocol.Turn`): the events are
            // written as they come, by their generated encoder, the sequence around them here.
            pendingBinary.output.reserveCapacity(min(max(lastPacketSize + lastPacketSize / 8, 64), 1 << 20))
            pendingBinary.beginSequence()
        }
        pendingBinaryCount += 1
    }

    /// Sends the events of this turn as one packet.
    /// The bytes stay charged to the account of the work that caused them until written.
    private func flush(_ turn: Turn) {
        flushScheduled = false
        guard !isClosed else { return }
        let bytes: [UInt8]
        if pendingBinaryCount > 0 {
            pendingBinary.end()
            bytes = pendingBinary.output
            pendingBinary.output = []
            pendingBinaryCount = 0
        } else if !pendingEvents.isEmpty {
            let packet = WirePacket.turn(pendingEvents)
            pendingEvents.removeAll(keepingCapacity: true)
            bytes = writer.encode(packet, syntax: batchSyntax, capacityHint: lastPacketSize + lastPacketSize / 8)
        } else {
            return
        }
        lastPacketSize = bytes.count
        transport.send(bytes, loan: turn.loan.map { Loan(account: $0.account, cost: bytes.count) })
    }

    // MARK: Ending

    /// Tells the peer why the session is ending, then closes the connection.
    func fail(_ error: RelayError) {
        guard !isClosed else { return }
        let packet = WirePacket.error(Protocol.Error(message: error.message, detail: error.detail))
        // A peer cut off for not reading, or at shutdown, hears why before its backlog.
        let urgent = error.kind == .slowConsumer || error.kind == .shutdown
        close(finalPacket: writer.encode(packet, syntax: syntax), discardingQueued: urgent)
    }

    func close(finalPacket: [UInt8]? = nil, discardingQueued: Bool = false) {
        guard !isClosed else { return }
        isClosed = true
        pendingEvents = []
        pendingBinary.output = []
        pendingBinaryCount = 0
        lastTarget = nil
        // Proxies (RelayEntity) hold the relay; dropping the tables breaks that cycle.
        exported = Membrane()
        imported = Membrane()
        inboundAssertions = [:]
        outboundAssertions = [:]
        syncPeers = [:]
        transport.close(finalPacket: finalPacket, discardingQueued: discardingQueued)
    }
}

/// The local stand-in for an object the peer exported: what is asserted or sent to it goes
/// to the peer as protocol events.
final class RelayEntity: Entity {
    /// Strong (weak references would put the relay's reference counts in a side table, slowing
    /// every retain and release); the cycle through the membranes is broken when the relay closes.
    let relay: Relay
    let oid: Int

    init(relay: Relay, oid: Int) {
        self.relay = relay
        self.oid = oid
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        relay.sendAssert(turn, oid: oid, value, handle)
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        relay.sendRetract(turn, oid: oid, handle)
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        relay.sendMessage(turn, oid: oid, value)
    }

    func onSync(_ turn: Turn, peer: Ref) throws {
        relay.sendSync(turn, oid: oid, peer: peer)
    }
}

/// Ignores everything: what a reference to an unknown object designates.
final class InertEntity: Entity {}

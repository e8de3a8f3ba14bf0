import Foundation
import Preserves
import SyndicateProtocols

/// One side of a Noise session as `noise.prs` runs it over Syndicate: it receives the peer's
/// `noise.Packet` messages, answers the handshake, and once it is done carries a relay session
/// (``RelaySession``) whose packets travel encrypted as `noise.Packet`s. The responder exports
/// its target as oid 0; the initiator imports the peer's oid 0.
///
/// An error (a message that does not authenticate: a wrong key; a malformed packet) throws, so
/// the actor holding this entity ends, and with it only this session.
final class NoiseSessionEntity: Entity {
    enum Role {
        case responder(exporting: Ref)
        case initiator(connected: @Sendable (Ref) -> Void)
    }

    private let role: Role
    private var handshake: NoiseHandshake
    private var session: NoiseSession?
    /// Where this side's packets go: the responder's session entity, or the initiator's.
    private(set) var peer: Ref?
    private var initiatorHandle: Handle?
    private var relay: RelaySession?
    private var framer = PacketFramer()

    init(role: Role, handshake: NoiseHandshake, peer: Ref? = nil) {
        self.role = role
        self.handshake = handshake
        self.peer = peer
    }

    /// The initiator's first move: its handshake message.
    func start(_ turn: Turn) throws {
        try sendHandshakeMessages(turn)
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        guard case .responder = role, let initiator = try? Noise.Initiator<Ref>(preserves: value) else { return }
        guard peer == nil else { throw NoiseError.outOfTurn("a second <initiator …> for one session") }
        peer = initiator.initiatorSession
        initiatorHandle = handle
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        // The initiator ended the session.
        if handle == initiatorHandle { turn.stopActor() }
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        let packet = try Noise.Packet(preserves: value)
        if var session {
            let plaintext = try session.open(packet)
            self.session = session
            framer.append(NoiseSession.withoutPadding(plaintext))
            while let wire = try framer.next() {
                relay?.deliver(wire, syntax: .binary, size: plaintext.count)
            }
            return
        }
        guard case .complete(let message) = packet else { throw NoiseError.outOfTurn("a fragmented handshake message") }
        _ = try handshake.readMessage(message)
        try sendHandshakeMessages(turn)
    }

    private func sendHandshakeMessages(_ turn: Turn) throws {
        guard let peer else { throw NoiseError.outOfTurn("a handshake message before the <initiator …> assertion") }
        while handshake.isMyTurn {
            turn.message(peer, Noise.Packet.complete(try handshake.writeMessage()).preserves(as: Ref.self))
        }
        if handshake.isComplete && session == nil {
            let session = NoiseSession(transport: try handshake.transport())
            self.session = session
            let transport = NoiseRelayTransport(actor: turn.actor, peer: peer, session: session)
            switch role {
            case .responder(let target):
                relay = RelaySession.accept(name: "noise-responder", transport: transport, exporting: target)
            case .initiator(let connected):
                relay = RelaySession.connect(name: "noise-initiator", transport: transport, connected: connected)
            }
        }
    }

    /// The actor holding this entity has stopped: so does the relay session.
    func sessionEnded() {
        relay?.transportClosed()
    }
}

/// The relay session's transport over Noise: each encoded packet is sealed as a `noise.Packet`
/// and sent, from the actor holding the ``NoiseSessionEntity``, to the peer's session entity.
final class NoiseRelayTransport: RelayTransport, @unchecked Sendable {
    // Guards `session` (the sending half is used here only) and `closed`; sends are enqueued on
    // `actor` under the lock, so they leave in nonce order.
    private let lock = NSLock()
    private var session: NoiseSession
    private var closed = false
    private let actor: SyndicateActor
    private let peer: Ref

    init(actor: SyndicateActor, peer: Ref, session: NoiseSession) {
        self.actor = actor
        self.peer = peer
        self.session = session
    }

    func send(_ bytes: [UInt8], loan: Loan?) {
        lock.withLock { sendLocked(bytes) }
    }

    private func sendLocked(_ bytes: [UInt8]) {
        guard !closed else { return }
        do {
            let packet = try session.seal(bytes).preserves(as: Ref.self)
            let peer = self.peer
            actor.run { turn in turn.message(peer, packet) }
        } catch {
            closed = true
            actor.run { turn in try turn.fail("noise session: \(error)") }
        }
    }

    func close(finalPacket: [UInt8]?) {
        lock.withLock {
            if let finalPacket { sendLocked(finalPacket) }
            guard !closed else { return }
            closed = true
            actor.run { turn in turn.stopActor() }
        }
    }

    func resumeReading() {}
}

import Foundation
import Logging
import Preserves
import Synchronization
import SyndicateProtocols

/// One relay link to a peer: an actor that speaks the Syndicate network protocol over a
/// ``RelayTransport``.
///
/// Transports decode the bytes they receive with a ``PacketFramer`` and hand each packet to
/// ``deliver(_:syntax:size:holdsEmbedded:)``; each becomes one turn of the session's actor. When the transport
/// closes, or the peer breaks the protocol, the actor stops and everything the peer asserted
/// through this link is retracted.
public final class RelaySession: @unchecked Sendable {
    /// The actor that owns the link; its entities are the proxies for the peer's objects.
    public let actor: SyndicateActor
    private let relay: Relay
    private let transport: any RelayTransport
    private let limits: RelayLimits
    /// What the peer's packets cost the server until their effects are done (see ``Account``).
    public let account: Account
    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var pendingPackets = 0
    private var readingPaused = false

    private init(name: String, transport: any RelayTransport, limits: RelayLimits, logger: Logger,
                 executor: (any ActorExecutor)?,
                 boot: @escaping @Sendable (Turn, RelaySession) throws -> Void) {
        self.transport = transport
        self.limits = limits
        self.relay = Relay(transport: transport, logger: logger)
        self.actor = SyndicateActor(name: name, executor: executor)
        self.account = Account(limit: limits.maxAccountDebt)
        transport.setFailureHandler { [self] error in fail(error) }
        // Enqueued before any packet can be delivered, so it is the session's first turn.
        actor.run { [self] turn in try boot(turn, self) }
    }

    /// Starts the accepting side of a link: `initialRef` (usually a gatekeeper) is exported
    /// to the peer as oid 0. The session's actor runs on `executor` (by default a queue of its
    /// own; transports pass their I/O thread, so packets are handled where they are read).
    @discardableResult
    public static func accept(
        name: String = "relay", transport: any RelayTransport, exporting initialRef: Ref,
        limits: RelayLimits = .default, logger: Logger = Logger(label: "syndicate.relay"),
        executor: (any ActorExecutor)? = nil
    ) -> RelaySession {
        RelaySession(name: name, transport: transport, limits: limits, logger: logger, executor: executor) { turn, session in
            session.relay.exportPermanently(initialRef)
            session.installExitHook(turn)
        }
    }

    /// Starts the connecting side of a link: the peer's oid 0 (its gatekeeper) is imported and
    /// handed to `connected`, in the session's first turn.
    @discardableResult
    public static func connect(
        name: String = "relay", transport: any RelayTransport, limits: RelayLimits = .default,
        logger: Logger = Logger(label: "syndicate.relay"), executor: (any ActorExecutor)? = nil,
        syntax: WireSyntax = .binary,
        connected: @escaping @Sendable (Ref) -> Void
    ) -> RelaySession {
        RelaySession(name: name, transport: transport, limits: limits, logger: logger, executor: executor) { turn, session in
            // Until the peer's first packet shows its syntax, write in the one asked for.
            session.relay.syntax = syntax
            let peer = session.relay.importPermanently(turn, oid: 0)
            session.installExitHook(turn)
            connected(peer)
        }
    }

    private func installExitHook(_ turn: Turn) {
        let relay = self.relay
        turn.onExit { _ in relay.close() }
    }

    /// Hands one packet from the peer to the session; `size` is its length on the wire, its
    /// cost to the peer's account while its effects are queued. Returns `false` when the
    /// transport should stop reading until ``RelayTransport/resumeReading()`` is called:
    /// while too many packets wait for the session's actor, or while the work the peer caused
    /// is still queued downstream (a slow consumer it feeds). `holdsEmbedded: false` says that
    /// the packet holds no embedded value (``PacketFramer/lastPacketMayHoldEmbedded``), so its
    /// values need no translation across the membrane.
    @discardableResult
    public func deliver(_ packet: __owned WirePacket, syntax: WireSyntax, size: Int = 0, holdsEmbedded: Bool = true) -> Bool {
        let keepReading = lock.withLock { () -> Bool in
            pendingPackets += 1
            if pendingPackets >= limits.maxPendingInboundPackets || account.isOverLimit { readingPaused = true }
            return !readingPaused
        }
        // Held in a cell the turn empties, so that the relay gets the only reference to the
        // packet and can move its events out (a closure's captures cannot be moved from). The
        // parameter is `__owned` because `consuming` crashes Swift 6.3's move checker here.
        let cell = PacketCell(consume packet)
        actor.runNowOrEnqueue(loan: Loan(account: account, cost: max(size, 64))) { [self] turn in
            defer { packetHandled() }
            guard !relay.isClosed, var packet = cell.take() else { return }
            relay.syntax = syntax
            do throws(RelayError) {
                try relay.handle(turn, &packet, holdsEmbedded: holdsEmbedded)
            } catch {
                relay.logger.info("relay session ended", metadata: ["reason": "\(error)"])
                if error.kind != .peerError { relay.fail(error) } else { relay.close() }
                turn.stopActor()
            }
        }
        if !keepReading { resumeIfCaughtUp() }
        return keepReading
    }

    private func packetHandled() {
        let paused = lock.withLock { () -> Bool in
            pendingPackets -= 1
            return readingPaused
        }
        if paused { resumeIfCaughtUp() }
    }

    /// Resumes reading once the session's actor has caught up and the peer's debt is paid
    /// down; if the debt is what holds it, asks the account to call again when it is.
    private func resumeIfCaughtUp() {
        let resume = lock.withLock { () -> Bool in
            guard readingPaused, pendingPackets <= limits.maxPendingInboundPackets / 2 else { return false }
            if account.whenCleared({ [self] in resumeIfCaughtUp() }) { return false }
            readingPaused = false
            return true
        }
        if resume { transport.resumeReading() }
    }

    /// The bytes from the peer could not be read: report the error to the peer and end the session.
    public func fail(_ error: RelayError) {
        actor.run { [self] turn in
            relay.logger.info("relay session ended", metadata: ["reason": "\(error)"])
            relay.fail(error)
            turn.stopActor()
        }
    }

    /// The connection is gone: end the session, retracting the peer's assertions.
    public func transportClosed() {
        account.cancelWaiter()
        actor.run { [self] turn in
            relay.close()
            turn.stopActor()
        }
    }
}

/// A packet on its way into the session's actor, taken out exactly once by the turn that
/// handles it.
private final class PacketCell: Sendable {
    private let packet: Mutex<WirePacket?>

    init(_ packet: __owned WirePacket) { self.packet = Mutex(packet) }

    func take() -> WirePacket? { packet.withLock { $0.take() } }
}

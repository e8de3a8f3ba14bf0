import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Preserves
import Syndicate
import SyndicateProtocols

extension Turn {
    /// Answers transport interest in `dataspace` (gatekeeper.prs's `TransportConnection`): for
    /// every observer of `<connect-transport ADDR _ _>` with a constant ADDR, it connects to ADDR
    /// (`<tcp host port>`, `<ws url>`, `<unix path>`) and asserts
    /// `<connect-transport ADDR #:control <accepted #:peer>>`, `peer` being the remote's oid 0
    /// (its gatekeeper, for a broker). A failed attempt is answered with `<rejected "…">`, and
    /// other addresses (`<stdio>` and anything unknown) with `<rejected "unsupported transport …">`.
    ///
    /// One connection per address, however many observers: it closes when the last of them
    /// goes. When the link is lost (or `<force-disconnect>` is sent to `control`), the answer is
    /// retracted and, while the address is still wanted, the connection is made again after
    /// `backoff` (0.1 s doubling to 30 s by default, reset when a connection comes up). Failed
    /// attempts are retried the same way, the latest failure staying asserted meanwhile.
    ///
    /// `serveRoutes(in:)` runs this and the route resolution of
    /// `Syndicate` together.
    public func connectTransports(
        in dataspace: Ref, limits: RelayLimits = .default, backoff: ReconnectBackoff = ReconnectBackoff(),
        logger: Logger = Logger(label: "syndicate.transport"), group: (any EventLoopGroup)? = nil
    ) {
        // An actor running on an event loop gets its connections on the same loop.
        let group: any EventLoopGroup = group ?? (actor.executor as? EventLoopExecutor)?.eventLoop ?? MultiThreadedEventLoopGroup.singleton
        let demand = SharedDemand<AnyValue>(home: activeFacet)
        duringInterest(in: dataspace, label: "connect-transport") { turn, interest in
            guard let addr = interest.literal(at: 0) else { return }
            demand.hold(turn, addr) { turn in
                TransportLink(dataspace: dataspace, addr: addr, limits: limits, backoff: backoff, logger: logger, group: group).start(turn)
            }
        }
    }

    /// Route resolution with real transports: `serveRouteResolution(in:)` (Syndicate) and
    /// `connectTransports(in:)` on `dataspace`. Observers of
    /// `<resolve-path ROUTE _ _ _>` there get their routes followed over TCP, WebSocket and Unix
    /// sockets, through sturdy-ref and Noise steps. Stopping the current facet stops both and
    /// closes every connection they made.
    public func serveRoutes(
        in dataspace: Ref, limits: RelayLimits = .default, backoff: ReconnectBackoff = ReconnectBackoff(),
        logger: Logger = Logger(label: "syndicate.transport"), group: (any EventLoopGroup)? = nil
    ) {
        serveRouteResolution(in: dataspace)
        connectTransports(in: dataspace, limits: limits, backoff: backoff, logger: logger, group: group)
    }
}

/// What a connection attempt came to.
enum TransportAttempt: Sendable {
    case connected(RelayConnection)
    case failed(String)
}

/// The link to one transport address while someone wants it: connects, publishes the answer,
/// and reconnects with backoff. Confined to its actor.
final class TransportLink {
    let dataspace: Ref
    let addr: AnyValue
    let limits: RelayLimits
    let logger: Logger
    let group: any EventLoopGroup
    private var backoff: ReconnectBackoff
    /// The facet the link runs in (its answer belongs to it).
    private var facet: FacetID?
    /// The `<connect-transport …>` answer asserted now.
    private var answer: Handle?
    /// The `control` of answers that have no link behind them (rejections).
    private var idleControl: Ref?

    init(dataspace: Ref, addr: AnyValue, limits: RelayLimits, backoff: ReconnectBackoff, logger: Logger, group: any EventLoopGroup) {
        self.dataspace = dataspace
        self.addr = addr
        self.limits = limits
        self.backoff = backoff
        self.logger = logger
        self.group = group
    }

    func start(_ turn: Turn) {
        facet = turn.activeFacet
        guard let address = try? RelayAddress(transportAddress: addr), Self.canConnect(address) else {
            publish(turn, control: idle(turn), .rejected(Gatekeeper.Rejected(detail: .string("unsupported transport \(addr)"))))
            return
        }
        attempt(turn, address)
    }

    /// Whether an outgoing connection can be made to `address` (`<stdio>` cannot, nor a
    /// WebSocket URL other than `ws://`).
    static func canConnect(_ address: RelayAddress) -> Bool {
        switch address {
        case .tcp, .unix: true
        case .webSocket(let url): url.lowercased().hasPrefix("ws://")
        case .stdio: false
        }
    }

    /// One connection attempt, in a facet of its own under the link's; stopping it closes the
    /// connection it made.
    private func attempt(_ turn: Turn, _ address: RelayAddress) {
        guard let facet else { return }
        let (limits, logger, group) = (self.limits, self.logger, self.group)
        turn.inFacet(facet) { turn in
            turn.facet { turn in
                _ = turn.preventInertCheck()
                // Whatever connection the attempt makes closes with its facet, even one that
                // comes up after the facet has stopped.
                let slot = ConnectionSlot()
                turn.onStop { _ in slot.close() }
                turn.linkedTask(producing: { () async -> TransportAttempt in
                    do {
                        let connection = try await RelayConnector.connect(address, limits: limits, logger: logger, group: group)
                        guard slot.offer(connection.session) else { return .failed("no longer wanted") }
                        return .connected(connection)
                    } catch {
                        return .failed("\(error)")
                    }
                }) { [self] turn, outcome in
                    switch outcome {
                    case .connected(let connection):
                        connected(turn, address, connection)
                    case .failed(let reason):
                        logger.debug("connection failed", metadata: ["address": "\(address)", "reason": "\(reason)"])
                        publish(turn, control: idle(turn), .rejected(Gatekeeper.Rejected(detail: .string(reason))))
                        retry(turn, address)
                    }
                }
            }
        }
    }

    private func connected(_ turn: Turn, _ address: RelayAddress, _ connection: RelayConnection) {
        backoff.succeeded()
        logger.debug("connected", metadata: ["address": "\(address)"])
        let control = turn.ref(ForceDisconnectEntity(session: connection.session))
        publish(turn, control: control, .accepted(responderSession: connection.peer))
        turn.linkedTask(producing: { await connection.session.actor.terminated() }) { [self] turn, _ in
            logger.info("link lost", metadata: ["address": "\(address)"])
            if let answer { turn.retract(answer) }
            answer = nil
            retry(turn, address)
        }
    }

    /// Ends the current attempt (its facet is the active one) and schedules the next.
    private func retry(_ turn: Turn, _ address: RelayAddress) {
        let current = turn.activeFacet
        let delay = backoff.failed()
        if let facet {
            turn.inFacet(facet) { turn in
                turn.after(delay) { [self] turn in attempt(turn, address) }
            }
        }
        turn.stop(current)
    }

    private func idle(_ turn: Turn) -> Ref {
        if let idleControl { return idleControl }
        let control = turn.inFacet(facet ?? turn.activeFacet) { turn in turn.ref(ForceDisconnectEntity(session: nil)) } ?? turn.ref(ForceDisconnectEntity(session: nil))
        idleControl = control
        return control
    }

    /// Replaces the link's answer.
    private func publish(_ turn: Turn, control: Ref, _ resolved: Gatekeeper.Resolved<Ref>) {
        guard let facet else { return }
        turn.inFacet(facet) { turn in
            answer = turn.replace(answer, dataspace, Gatekeeper.TransportConnection<Ref>(addr: addr, control: control, resolved: resolved))
        }
    }
}

/// The connection of one attempt, closed when the attempt's facet stops, whether it came up
/// before or after.
final class ConnectionSlot: Sendable {
    private let state = NIOLockedValueBox<(closed: Bool, session: RelaySession?)>((false, nil))

    /// Keeps `session` for ``close()``; false (closing it at once) if that has already run.
    func offer(_ session: RelaySession) -> Bool {
        let kept = state.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.session = session
            return true
        }
        if !kept { session.transportClosed() }
        return kept
    }

    func close() {
        let session = state.withLockedValue { state -> RelaySession? in
            state.closed = true
            defer { state.session = nil }
            return state.session
        }
        session?.transportClosed()
    }
}

/// A transport's `control`: `<force-disconnect>` drops the link (it is then made again while
/// still wanted).
final class ForceDisconnectEntity: Entity {
    private let session: RelaySession?

    init(session: RelaySession?) {
        self.session = session
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        guard (try? Gatekeeper.parseTransportControl(value)) != nil else { return }
        session?.transportClosed()
    }
}

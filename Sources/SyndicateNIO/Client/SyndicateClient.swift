import Logging
import NIOConcurrencyHelpers
import Preserves
import Syndicate
import SyndicateProtocols

/// A connection to a broker's dataspace for Swift services written with async/await, beside
/// the turn-based API (``Syndicate/Turn``).
///
/// ```swift
/// let client = try await SyndicateClient.connect(to: .tcp(host: "127.0.0.1", port: 9001))
/// let greetings = try await client.assertions(of: Greeting.self)
/// let holder = Task { try await client.hold(Greeting(from: "swift")) }
/// ```
///
/// Everything the client asserts is retracted when the client closes or its connection ends;
/// subscriptions end then too. Operations after a close throw ``SyndicateClientError/closed``,
/// and after a lost connection ``SyndicateClientError/connectionLost(address:)``.
public final class SyndicateClient: Sendable {
    /// The broker's address, as given to ``connect(to:sturdyRef:limits:resolveTimeout:logger:)``,
    /// or the transport a route was followed over.
    public let address: RelayAddress
    /// The route given to `connect(route:)`, if the client was connected by one.
    public let route: Gatekeeper.Route<Ref>?
    /// The dataspace the sturdy ref (or the route) resolved to.
    public let dataspace: Ref
    let actor: SyndicateActor
    private let link: Link
    private let state = NIOLockedValueBox(State())

    private struct State {
        var end: SyndicateClientError?
        var nextID: UInt64 = 0
        var subscriptions: [UInt64: @Sendable (SyndicateClientError?) -> Void] = [:]
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    }

    /// How the client reaches its dataspace.
    private enum Link: Sendable {
        /// A connection of its own, made by ``connect(to:sturdyRef:limits:resolveTimeout:logger:)``.
        case direct(RelayConnection)
        /// A route followed by route resolution in the client's actor, which owns the connection.
        case route
    }

    private init(address: RelayAddress, route: Gatekeeper.Route<Ref>? = nil, dataspace: Ref, actor: SyndicateActor, link: Link) {
        self.address = address
        self.route = route
        self.dataspace = dataspace
        self.actor = actor
        self.link = link
    }

    // MARK: Connecting and closing

    /// Connects to the broker at `address` and resolves `sturdyRef` with its gatekeeper.
    ///
    /// - Throws: ``SyndicateClientError/connectionFailed(address:reason:)`` when nothing
    ///   answers, ``SyndicateClientError/rejected(reason:)`` when the gatekeeper refuses the
    ///   ref, ``SyndicateClientError/resolveTimedOut(address:)`` when it does not answer within
    ///   `resolveTimeout`.
    public static func connect(
        to address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref> = .wellKnownSyndicate,
        limits: RelayLimits = .default, resolveTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "syndicate.client")
    ) async throws(SyndicateClientError) -> SyndicateClient {
        let resolved = try await ResolvedConnection.connect(
            to: address, sturdyRef: sturdyRef, name: "client \(address)", placement: .ownQueue,
            limits: limits, resolveTimeout: resolveTimeout, logger: logger)
        let client = SyndicateClient(address: address, dataspace: resolved.dataspace, actor: resolved.actor, link: .direct(resolved.connection))
        Task { [weak client] in
            _ = await resolved.sessionEnded.value
            client?.end(.connectionLost(address: "\(address)"))
        }
        return client
    }

    /// Connects, runs `body` with the client, and closes the client when `body` returns or
    /// throws (or its task is cancelled).
    public static func withConnection<R: Sendable>(
        to address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref> = .wellKnownSyndicate,
        limits: RelayLimits = .default, resolveTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "syndicate.client"),
        _ body: (SyndicateClient) async throws -> R
    ) async throws -> R {
        let client = try await connect(to: address, sturdyRef: sturdyRef, limits: limits, resolveTimeout: resolveTimeout, logger: logger)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Connects by following `route` (gatekeeper.prs's `Route`: transports such as
    /// `<tcp host port>`, `<ws url>` or `<unix path>`, then sturdy-ref and Noise path steps) and
    /// uses the entity at its end as the client's dataspace.
    ///
    /// The route is resolved by the same code a broker runs for its configs
    /// (`Turn.serveRoutes(in:)`), in the client's own actor, which owns the connection. The first
    /// of the route's transports that connects is used. If the link is lost later, the client
    /// ends with ``SyndicateClientError/connectionLost(address:)`` (connect again for a new one).
    ///
    /// - Throws: ``SyndicateClientError/rejected(reason:)`` with the reason of the first
    ///   rejection met: a remote gatekeeper refusing a step (`"invalid sturdy ref"`), a failed
    ///   Noise handshake, a transport that cannot connect or is not supported;
    ///   ``SyndicateClientError/resolveTimedOut(address:)`` when no answer comes within
    ///   `resolveTimeout`.
    public static func connect(
        route: Gatekeeper.Route<Ref>, limits: RelayLimits = .default, resolveTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "syndicate.client")
    ) async throws(SyndicateClientError) -> SyndicateClient {
        let answer = RouteAnswer()
        let name = route.preserves.description
        let actor = SyndicateActor.boot(name: "client \(name)") { turn in
            let resolver = turn.createDataspace()
            turn.serveRoutes(in: resolver, limits: limits, logger: logger)
            turn.duringRouteResolution(route, in: resolver) { turn, resolution in
                switch resolution.resolved {
                case .accepted(let remote):
                    let address = (try? RelayAddress(transportAddress: resolution.addr)) ?? .stdio
                    answer.settle(.success((remote, address)))
                    turn.onStop { _ in answer.linkLost(address) }
                case .rejected(let rejection):
                    answer.settle(.failure(.rejected(reason: Self.reasonText(rejection.detail))))
                }
            }
        }
        let timeout = Task {
            try await Task.sleep(for: resolveTimeout)
            answer.settle(.failure(.resolveTimedOut(address: name)))
        }
        let result = await answer.value()
        timeout.cancel()
        switch result {
        case .failure(let error):
            actor.run { turn in turn.stopActor() }
            _ = await actor.terminated()
            throw error
        case .success(let (remote, address)):
            let client = SyndicateClient(address: address, route: route, dataspace: remote, actor: actor, link: .route)
            answer.onLinkLost { [weak client] address in client?.end(.connectionLost(address: "\(address)")) }
            return client
        }
    }

    /// `connect(route:)` with the route in Preserves text, such as
    /// `<route [<tcp "127.0.0.1" 9001>] <ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>>`.
    ///
    /// - Throws: ``SyndicateClientError/invalidRoute(text:reason:)`` when the text is not a route,
    ///   otherwise as the typed variant.
    public static func connect(
        route text: String, limits: RelayLimits = .default, resolveTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "syndicate.client")
    ) async throws(SyndicateClientError) -> SyndicateClient {
        let route: Gatekeeper.Route<Ref>
        do {
            route = try Gatekeeper.Route<Ref>(parsing: text)
        } catch {
            throw .invalidRoute(text: text, reason: "\(error)")
        }
        return try await connect(route: route, limits: limits, resolveTimeout: resolveTimeout, logger: logger)
    }

    /// Retracts everything the client asserted, ends its subscriptions, and closes the
    /// connection once what it sent has been written. Idempotent.
    public func close() async {
        guard end(.closed) else { return }
        actor.run { turn in turn.stopActor() }
        _ = await actor.terminated()
        guard case .direct(let connection) = link else { return }
        // The retractions are queued at the session ahead of this; it writes them, then closes.
        connection.session.transportClosed()
        _ = await connection.session.actor.terminated()
    }

    /// Waits until the client is closed or its connection is lost, and says which.
    public func closed() async -> SyndicateClientError {
        switch link {
        case .direct(let connection): _ = await connection.session.actor.terminated()
        case .route: _ = await actor.terminated()
        }
        return state.withLockedValue { $0.end } ?? .connectionLost(address: "\(address)")
    }

    /// Marks the client ended; fails what waits and ends subscriptions. Returns whether this
    /// call ended it.
    @discardableResult
    private func end(_ reason: SyndicateClientError) -> Bool {
        let taken = state.withLockedValue { state -> ([@Sendable (SyndicateClientError?) -> Void], [CheckedContinuation<Void, any Error>])? in
            guard state.end == nil else { return nil }
            state.end = reason
            defer {
                state.subscriptions = [:]
                state.waiters = [:]
            }
            return (Array(state.subscriptions.values), Array(state.waiters.values))
        }
        guard let (subscriptions, waiters) = taken else { return false }
        let subscriptionEnd: SyndicateClientError? = reason == .closed ? nil : reason
        for finish in subscriptions { finish(subscriptionEnd) }
        for waiter in waiters { waiter.resume(throwing: reason) }
        if reason != .closed { actor.run { turn in turn.stopActor() } }
        return true
    }

    private func checkOpen() throws(SyndicateClientError) {
        if let end = state.withLockedValue({ $0.end }) { throw end }
    }

    // MARK: Assertions and messages

    /// Asserts `value` in the dataspace until the returned assertion is retracted or the
    /// client ends.
    @discardableResult
    public func assert(_ value: AnyValue) throws(SyndicateClientError) -> ClientAssertion {
        try checkOpen()
        let assertion = ClientAssertion(client: self)
        let ds = dataspace
        let box = assertion.handle
        actor.run { turn in
            let h = turn.assert(ds, value)
            box.withLockedValue { $0 = h }
        }
        return assertion
    }

    /// Asserts a schema value until the returned assertion is retracted or the client ends.
    @discardableResult
    public func assert<T: SchemaRepresentable>(_ value: T) throws(SyndicateClientError) -> ClientAssertion where T.Embedded == Ref {
        try assert(value.preserves)
    }

    /// Asserts a schema value until the returned assertion is retracted or the client ends.
    @discardableResult
    public func assert<T: SchemaPlainRepresentable>(_ value: T) throws(SyndicateClientError) -> ClientAssertion {
        try assert(value.preserves(as: Ref.self))
    }

    /// Asserts `value` while `body` runs: it is retracted when `body` returns, throws or its
    /// task is cancelled.
    public func withAssertion<R: Sendable>(_ value: AnyValue, _ body: () async throws -> R) async throws -> R {
        let assertion = try assert(value)
        defer { assertion.retract() }
        return try await body()
    }

    /// Asserts a schema value while `body` runs (see ``withAssertion(_:_:)-(AnyValue,_)``).
    public func withAssertion<T: SchemaRepresentable, R: Sendable>(_ value: T, _ body: () async throws -> R) async throws -> R where T.Embedded == Ref {
        try await withAssertion(value.preserves, body)
    }

    /// Asserts a schema value while `body` runs (see ``withAssertion(_:_:)-(AnyValue,_)``).
    public func withAssertion<T: SchemaPlainRepresentable, R: Sendable>(_ value: T, _ body: () async throws -> R) async throws -> R {
        try await withAssertion(value.preserves(as: Ref.self), body)
    }

    /// Asserts `value` until the calling task is cancelled (then throws `CancellationError`),
    /// or the client ends (then throws its ``SyndicateClientError``).
    public func hold(_ value: AnyValue) async throws {
        try await withAssertion(value) {
            try await self.waitUntilEnded()
        }
    }

    /// Asserts a schema value until the calling task is cancelled (see ``hold(_:)-(AnyValue)``).
    public func hold<T: SchemaRepresentable>(_ value: T) async throws where T.Embedded == Ref {
        try await hold(value.preserves)
    }

    /// Asserts a schema value until the calling task is cancelled (see ``hold(_:)-(AnyValue)``).
    public func hold<T: SchemaPlainRepresentable>(_ value: T) async throws {
        try await hold(value.preserves(as: Ref.self))
    }

    /// Sends `value` to the dataspace as a message.
    public func send(_ value: AnyValue) throws(SyndicateClientError) {
        try checkOpen()
        let ds = dataspace
        actor.run { turn in turn.message(ds, value) }
    }

    /// Sends a schema value to the dataspace as a message.
    public func send<T: SchemaRepresentable>(_ value: T) throws(SyndicateClientError) where T.Embedded == Ref {
        try send(value.preserves)
    }

    /// Sends a schema value to the dataspace as a message.
    public func send<T: SchemaPlainRepresentable>(_ value: T) throws(SyndicateClientError) {
        try send(value.preserves(as: Ref.self))
    }

    /// Sends `values` to the dataspace as messages, in order, in one turn of the client's actor:
    /// they travel to the broker as one packet, where ``send(_:)-(AnyValue)`` called in a loop
    /// costs a turn and a packet each.
    public func send(contentsOf values: some Sequence<AnyValue>) throws(SyndicateClientError) {
        try checkOpen()
        let ds = dataspace
        let values = Array(values)
        guard !values.isEmpty else { return }
        actor.run { turn in
            for value in values { turn.message(ds, value) }
        }
    }

    /// Sends schema values to the dataspace as messages, in one turn (see `send(contentsOf:)` for `AnyValue`).
    public func send<T: SchemaRepresentable>(contentsOf values: some Sequence<T>) throws(SyndicateClientError) where T.Embedded == Ref {
        try send(contentsOf: values.lazy.map(\.preserves))
    }

    /// Sends schema values to the dataspace as messages, in one turn (see `send(contentsOf:)` for `AnyValue`).
    public func send<T: SchemaPlainRepresentable>(contentsOf values: some Sequence<T>) throws(SyndicateClientError) {
        try send(contentsOf: values.lazy.map { $0.preserves(as: Ref.self) })
    }

    /// Runs `action` in a turn of the client's actor, given the dataspace: for entities and
    /// facets of your own beside the async API (they live until stopped or until the client
    /// ends). Turns run in the order they were asked for.
    public func run(_ action: @escaping @Sendable (Turn, Ref) throws -> Void) throws(SyndicateClientError) {
        try checkOpen()
        let ds = dataspace
        actor.run { turn in try action(turn, ds) }
    }

    /// Returns once the broker's dataspace has handled everything this client sent before.
    ///
    /// - Throws: the client's ``SyndicateClientError`` once it has ended, or `CancellationError`
    ///   when the calling task is cancelled.
    public func sync() async throws {
        let ds = dataspace
        try await wait { resume in
            self.actor.run { turn in turn.sync(ds) { _ in resume() } }
        }
    }

    // MARK: Subscriptions

    /// Messages sent to the dataspace that match `observation`, decoded (matches that do not
    /// decode are skipped; see `ObservationPattern` in Syndicate). Live when this returns: the
    /// broker has the observer. Throws like ``sync()``.
    public func messages<P: ObservationPattern>(matching observation: P) async throws -> DataspaceSubscription<P.Output>
    where P.Output: Sendable {
        try await subscribe { turn, ds, buffer in
            turn.onMessage(ds, observation) { turn, value in buffer.push(value, in: turn) }
        }
    }

    /// ``messages(matching:)-(P)`` for a generated pattern (`Says.pattern(who: .literal("alice"))`).
    public func messages<Output: Sendable>(matching observation: DataspacePatterns.TypedPattern<Ref, Output>) async throws -> DataspaceSubscription<Output> {
        try await subscribe { turn, ds, buffer in
            turn.onMessage(ds, observation) { turn, value in buffer.push(value, in: turn) }
        }
    }

    /// Messages that are values of a schema type (and match `constraint`, if given).
    public func messages<T: SchemaRepresentable>(of type: T.Type, matching constraint: Pattern = .discard) async throws -> DataspaceSubscription<T>
    where T.Embedded == Ref {
        try await messages(matching: TypedPattern(of: type, shape: constraint))
    }

    /// Messages that are values of a schema type (and match `constraint`, if given).
    public func messages<T: SchemaPlainRepresentable>(of type: T.Type, matching constraint: Pattern = .discard) async throws -> DataspaceSubscription<T> {
        try await messages(matching: TypedPattern(of: type, shape: constraint))
    }

    /// Assertions in the dataspace that match `observation`, decoded, as they come and go:
    /// first those present now, then changes. Live when this returns.
    public func assertions<P: ObservationPattern>(matching observation: P) async throws -> DataspaceSubscription<AssertionEvent<P.Output>>
    where P.Output: Sendable {
        try await subscribe { turn, ds, buffer in
            turn.onAssertion(
                ds, observation,
                onAssert: { turn, value, _ in buffer.push(.added(value), in: turn) },
                onRetract: { turn, value, _ in buffer.push(.removed(value), in: turn) })
        }
    }

    /// ``assertions(matching:)-(P)`` for a generated pattern.
    public func assertions<Output: Sendable>(matching observation: DataspacePatterns.TypedPattern<Ref, Output>) async throws -> DataspaceSubscription<AssertionEvent<Output>> {
        try await subscribe { turn, ds, buffer in
            turn.onAssertion(
                ds, observation,
                onAssert: { turn, value, _ in buffer.push(.added(value), in: turn) },
                onRetract: { turn, value, _ in buffer.push(.removed(value), in: turn) })
        }
    }

    /// Assertions that are values of a schema type (and match `constraint`, if given).
    public func assertions<T: SchemaRepresentable>(of type: T.Type, matching constraint: Pattern = .discard) async throws -> DataspaceSubscription<AssertionEvent<T>>
    where T.Embedded == Ref {
        try await assertions(matching: TypedPattern(of: type, shape: constraint))
    }

    /// Assertions that are values of a schema type (and match `constraint`, if given).
    public func assertions<T: SchemaPlainRepresentable>(of type: T.Type, matching constraint: Pattern = .discard) async throws -> DataspaceSubscription<AssertionEvent<T>> {
        try await assertions(matching: TypedPattern(of: type, shape: constraint))
    }

    /// Sets up an observer in a facet of its own, waits until the broker has it, and returns
    /// the subscription that stops the facet when cancelled.
    private func subscribe<Element: Sendable>(
        _ observe: @escaping @Sendable (Turn, Ref, SubscriptionBuffer<Element>) -> Void
    ) async throws -> DataspaceSubscription<Element> {
        let buffer = SubscriptionBuffer<Element>()
        let facet = NIOLockedValueBox<FacetID?>(nil)
        let id = try register { error in buffer.finish(throwing: error) }
        let actor = self.actor
        let subscription = DataspaceSubscription(buffer: buffer) { [weak self] in
            self?.unregister(id)
            actor.run { turn in
                if let f = facet.withLockedValue({ $0 }) { turn.stop(f) }
            }
        }
        let ds = dataspace
        actor.run { turn in
            let f = turn.facet { turn in
                _ = turn.preventInertCheck()
                observe(turn, ds, buffer)
            }
            facet.withLockedValue { $0 = f }
        }
        try await sync()
        return subscription
    }

    private func register(_ finish: @escaping @Sendable (SyndicateClientError?) -> Void) throws(SyndicateClientError) -> UInt64 {
        let result = state.withLockedValue { state -> Result<UInt64, SyndicateClientError> in
            if let end = state.end { return .failure(end) }
            state.nextID += 1
            state.subscriptions[state.nextID] = finish
            return .success(state.nextID)
        }
        return try result.get()
    }

    private func unregister(_ id: UInt64) {
        _ = state.withLockedValue { $0.subscriptions.removeValue(forKey: id) }
    }

    /// Suspends until `start`'s callback runs, the client ends, or the task is cancelled.
    private func wait(_ start: (@escaping @Sendable () -> Void) -> Void) async throws {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let end = state.withLockedValue { state -> SyndicateClientError? in
                    if let end = state.end { return end }
                    state.waiters[id] = continuation
                    return nil
                }
                if let end {
                    continuation.resume(throwing: end)
                    return
                }
                start { [self] in
                    let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
                    waiter?.resume()
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Suspends until the client ends (throws its reason) or the task is cancelled.
    private func waitUntilEnded() async throws {
        try await wait { _ in }
    }

    static func reasonText(_ reason: AnyValue) -> String { ResolvedConnection.reasonText(reason) }
}

/// The first answer to a route a client follows, and the news that its link was lost.
private final class RouteAnswer: Sendable {
    private struct State {
        var result: Result<(Ref, RelayAddress), SyndicateClientError>?
        var waiter: CheckedContinuation<Result<(Ref, RelayAddress), SyndicateClientError>, Never>?
        var lost: RelayAddress?
        var onLost: (@Sendable (RelayAddress) -> Void)?
    }
    private let state = NIOLockedValueBox(State())

    func settle(_ result: Result<(Ref, RelayAddress), SyndicateClientError>) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Result<(Ref, RelayAddress), SyndicateClientError>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    func value() async -> Result<(Ref, RelayAddress), SyndicateClientError> {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Result<(Ref, RelayAddress), SyndicateClientError>? in
                if let r = state.result { return r }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func linkLost(_ address: RelayAddress) {
        let handler = state.withLockedValue { state -> (@Sendable (RelayAddress) -> Void)? in
            state.lost = address
            return state.onLost
        }
        handler?(address)
    }

    func onLinkLost(_ handler: @escaping @Sendable (RelayAddress) -> Void) {
        let lost = state.withLockedValue { state -> RelayAddress? in
            state.onLost = handler
            return state.lost
        }
        if let lost { handler(lost) }
    }
}

import Logging
import NIOCore
import NIOPosix
import Preserves
import Syndicate
import SyndicateProtocols

/// A client link whose sturdy ref has been resolved: what `SyndicateClient` and the channel
/// endpoints' own broker connections are built on.
package struct ResolvedConnection: Sendable {
    package let connection: RelayConnection
    /// What the sturdy ref resolved to (usually a dataspace).
    package let dataspace: Ref
    /// The actor that asked; it holds the resolve request, and its turns may use `dataspace`.
    package let actor: SyndicateActor
    /// Completes when the relay session has ended.
    package let sessionEnded: Task<Void, Never>

    /// Where the resolving actor runs its turns.
    package enum Placement: Sendable {
        /// On a dispatch queue of its own.
        case ownQueue
        /// On the session's event loop: items cross no thread between the socket and the actor.
        case sessionLoop
    }

    /// Connects to `address` and resolves `sturdyRef` with the peer's gatekeeper, in a new actor
    /// named `name`, waiting at most `resolveTimeout` for the answer.
    ///
    /// The actor is started, and the resolve request sent, from the session's first turn on the
    /// connection's thread, not from the calling task once it resumes: a broker closes
    /// connections that send nothing within its handshake timeout, and a busy cooperative pool
    /// may resume the caller later than that. On failure the actor is stopped and the link closed.
    package static func connect(
        to address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref>, name: String, placement: Placement,
        limits: RelayLimits = .default, resolveTimeout: Duration, logger: Logger = Logger(label: "syndicate.relay"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(SyndicateClientError) -> ResolvedConnection {
        let answer = SettledOnce<Result<Ref, SyndicateClientError>>()
        let booted = SettledOnce<SyndicateActor>()
        let connection: RelayConnection
        do {
            connection = try await RelayConnector.connect(address, limits: limits, logger: logger, group: group, onPeerIn: { peer, executor in
                booted.settle(SyndicateActor.boot(name: name, executor: placement == .sessionLoop ? executor : nil) { turn in
                    turn.resolve(peer, sturdyRef, rejected: { _, reason in
                        answer.settle(.failure(.rejected(reason: reasonText(reason))))
                    }) { _, ds in
                        answer.settle(.success(ds))
                    }
                })
            })
        } catch {
            booted.settledValue?.run { turn in turn.stopActor() }
            throw .connectionFailed(address: "\(address)", reason: "\(error)")
        }
        // `connect` returns only after the session's first turn, which booted the actor.
        let actor = await booted.value()
        let sessionEnded = Task {
            _ = await connection.session.actor.terminated()
            answer.settle(.failure(.connectionLost(address: "\(address)")))
        }
        let timeout = Task {
            try await Task.sleep(for: resolveTimeout)
            answer.settle(.failure(.resolveTimedOut(address: "\(address)")))
        }
        let result = await answer.value()
        timeout.cancel()
        switch result {
        case .failure(let error):
            sessionEnded.cancel()
            actor.run { turn in turn.stopActor() }
            connection.session.transportClosed()
            throw error
        case .success(let ds):
            return ResolvedConnection(connection: connection, dataspace: ds, actor: actor, sessionEnded: sessionEnded)
        }
    }

    /// A gatekeeper's rejection detail as text: the string itself, or a record's first string field.
    package static func reasonText(_ reason: AnyValue) -> String {
        if let text = reason.string { return text }
        if let record = reason.record, let first = record.fields.first, let text = first.string { return text }
        return "\(reason)"
    }
}

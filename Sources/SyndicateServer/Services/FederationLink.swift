import Logging
import NIOCore
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// Keeps a link to one federation peer while the current facet lives: connects to the first
/// `<tcp HOST PORT>` transport of the peer's route, resolves its `<ref …>` step with the peer's
/// gatekeeper, and runs `up` in a facet that stops when the link is lost; then tries again
/// with exponential backoff (100 ms doubling to 5 s, reset once a link is up).
enum FederationLink {
    struct UnsupportedRoute: Error, CustomStringConvertible {
        let route: AnyValue
        var description: String { "unsupported federation route (want <route [<tcp HOST PORT>] <ref {…}>>): \(route)" }
    }

    static let firstDelay: Duration = .milliseconds(100)
    static let maxDelay: Duration = .seconds(5)

    static func maintain(
        _ turn: Turn, _ context: ServiceContext, peer: Federation.FederationPeer<Ref>,
        up: @escaping (Turn, Ref) -> Void
    ) throws {
        let (address, sturdyRef) = try target(of: peer.route)
        let backoff = Backoff()
        turn.facet { turn in
            _ = turn.preventInertCheck()
            let peerFacet = turn.activeFacet
            attempt(turn, context, peer: peer.name, address: address, sturdyRef: sturdyRef, backoff: backoff, peerFacet: peerFacet, delay: nil, up: up)
        }
    }

    /// The TCP address and sturdy ref a route names.
    static func target(of route: Gatekeeper.Route<Ref>) throws -> (RelayAddress, Sturdy.SturdyRef<Ref>) {
        let tcp = route.transports.lazy.compactMap { try? TransportAddress.Tcp(preserves: $0) }.first
        guard let tcp, let port = tcp.port.int, (0...65535).contains(port), route.pathSteps.count == 1,
              let step = route.pathSteps.first, step.stepType == "ref",
              let parameters = try? Sturdy.Parameters<Ref>(preserves: step.detail)
        else { throw UnsupportedRoute(route: route.preserves) }
        return (.tcp(host: tcp.host, port: port), Sturdy.SturdyRef(parameters: parameters))
    }

    /// The delay before the next attempt.
    final class Backoff {
        private var next = FederationLink.firstDelay
        func take() -> Duration {
            let delay = next
            next = min(next * 2, FederationLink.maxDelay)
            return delay
        }
        func reset() { next = FederationLink.firstDelay }
    }

    private static func attempt(
        _ turn: Turn, _ context: ServiceContext, peer: String, address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref>,
        backoff: Backoff, peerFacet: FacetID, delay: Duration?, up: @escaping (Turn, Ref) -> Void
    ) {
        let logger = context.logger
        let group = context.group
        let limits = context.limits
        turn.inFacet(peerFacet) { turn in
            turn.facet { turn in
                let attemptFacet = turn.activeFacet
                func retry(_ turn: Turn) {
                    let delay = backoff.take()
                    turn.stop(attemptFacet)
                    attempt(turn, context, peer: peer, address: address, sturdyRef: sturdyRef, backoff: backoff, peerFacet: peerFacet, delay: delay, up: up)
                }
                turn.linkedTask(producing: { () async -> RelayConnection? in
                    if let delay { try? await Task.sleep(for: delay) }
                    if Task.isCancelled { return nil }
                    do {
                        return try await RelayConnector.connect(address, limits: limits, logger: logger, group: group)
                    } catch {
                        logger.debug("federation peer unreachable", metadata: ["peer": "\(peer)", "address": "\(address)", "error": "\(error)"])
                        return nil
                    }
                }) { turn, connection in
                    guard let connection else { return retry(turn) }
                    turn.onStop { _ in connection.session.transportClosed() }
                    turn.resolve(connection.peer, sturdyRef, rejected: { turn, detail in
                        logger.warning("federation peer rejected the route", metadata: ["peer": "\(peer)", "detail": "\(detail)"])
                        connection.session.transportClosed()
                    }) { turn, entity in
                        backoff.reset()
                        up(turn, entity)
                    }
                    turn.linkedTask(producing: { () async -> Bool in
                        await withTaskCancellationHandler {
                            _ = await connection.session.actor.terminated()
                        } onCancel: {
                            connection.session.transportClosed()
                        }
                        return true
                    }) { turn, _ in retry(turn) }
                }
            }
        }
    }
}

/// Why an operation of a ``SyndicateClient`` failed.
public enum SyndicateClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection could be made to the broker at `address`.
    case connectionFailed(address: String, reason: String)
    /// The broker's gatekeeper refused the sturdy ref (with the reason it gave), or a route could
    /// not be followed (with the reason of the rejection met).
    case rejected(reason: String)
    /// The gatekeeper answered neither way within the resolve timeout.
    case resolveTimedOut(address: String)
    /// The connection to the broker was lost (the broker exited, the network failed, or the
    /// broker ended the session, for instance because the client stopped reading).
    case connectionLost(address: String)
    /// The client was closed by ``SyndicateClient/close()``.
    case closed
    /// The text given as a route is not a `gatekeeper.Route`.
    case invalidRoute(text: String, reason: String)

    public var description: String {
        switch self {
        case .connectionFailed(let address, let reason): "cannot connect to \(address): \(reason)"
        case .rejected(let reason): "the broker rejected the sturdy ref: \(reason)"
        case .resolveTimedOut(let address): "the broker at \(address) did not answer the resolve request"
        case .connectionLost(let address): "connection to \(address) lost"
        case .closed: "the client is closed"
        case .invalidRoute(let text, let reason): "\(text) is not a route: \(reason)"
        }
    }
}

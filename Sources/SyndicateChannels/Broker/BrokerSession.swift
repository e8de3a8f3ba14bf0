import Syndicate
import SyndicateNIO

/// What a broker-mode engine needs of its connection to the broker: turns of an actor of its
/// own with the broker's dataspace, a round trip through that dataspace, and its end.
/// `SyndicateClient` is one (a shared client, ``Transport/brokerClient(_:name:)``);
/// ``LoopBrokerSession`` is the one an endpoint opens for itself.
protocol BrokerSession: AnyObject, Sendable {
    /// Where the broker is (for errors).
    var address: RelayAddress { get }
    /// Runs `action` in a turn of the session's actor, with the broker's dataspace.
    func run(_ action: @escaping @Sendable (Turn, Ref) throws -> Void) throws(SyndicateClientError)
    /// Returns once the broker's dataspace has handled everything sent before.
    func sync() async throws
    /// Waits until the session is closed or its connection is lost, and says which.
    func closed() async -> SyndicateClientError
    /// Retracts what the session asserted and closes its connection.
    func close() async
}

extension SyndicateClient: BrokerSession {}

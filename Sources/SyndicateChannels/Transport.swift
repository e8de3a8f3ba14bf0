import Syndicate
import SyndicateNIO
import SyndicateProtocols

/// Where a primitive's peers meet.
public enum Transport: Sendable {
    /// tsyncp's wire format over TCP. The side that accepts peers listens on this address (port 0:
    /// any free port); the other side connects to it.
    case direct(host: String, port: Int)
    /// Over a `syndicate-server` (the default transport of the `syndicate-channels` program):
    /// channel `name` in the dataspace `sturdyRef` designates (by default the well-known ref of
    /// a local broker on port 9001). Each primitive opens its own connection.
    case broker(name: String, address: RelayAddress = Transport.defaultBroker, sturdyRef: Sturdy.SturdyRef<Ref> = .wellKnownSyndicate)
    /// Over the broker, on a connection the caller opened (and closes).
    case brokerClient(SyndicateClient, name: String)

    /// A local `syndicate-server`'s default address, `<tcp "127.0.0.1" 9001>`.
    public static let defaultBroker = RelayAddress.tcp(host: "127.0.0.1", port: 9001)
}

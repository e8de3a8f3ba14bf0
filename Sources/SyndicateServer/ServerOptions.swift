import Syndicate

/// What to run: the command line of `syndicate-server`, as data.
public struct ServerOptions: Sendable {
    /// TCP ports to listen on (all interfaces), each with the gatekeeper as oid 0.
    public var ports: [Int] = []
    /// Unix socket paths to listen on.
    public var socketPaths: [String] = []
    /// Config files or directories of `*.pr` scripts. With none, the default configuration
    /// binds the well-known `syndicate` sturdy ref to a fresh root dataspace.
    public var configPaths: [String] = []
    /// Speak the protocol on standard input and output, exporting `$config` as oid 0.
    public var inferior = false
    /// Limits applied to every relay session.
    public var limits: RelayLimits = .default
    /// Event loop threads for connections and the broker's own actors (`nil`: one per core).
    public var threads: Int?
    /// How often config files are checked for changes (`nil`: never).
    public var configPollInterval: Duration? = .seconds(1)

    public init() {}
}

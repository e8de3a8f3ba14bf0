import Logging
import NIOCore
import Syndicate
import SyndicateNIO

/// What the broker's services share: the initial objects, the event loops, and the limits
/// and logger the broker was started with.
struct ServiceContext: Sendable {
    /// `$config`: where services are required and report their states.
    let config: Ref
    /// `$log`: where `<log …>` messages go.
    let log: Ref
    /// `$gatekeeper`: the primordial gatekeeper, answering from the bindings in `$config`.
    let gatekeeper: Ref
    let group: any EventLoopGroup
    let limits: RelayLimits
    let listeners: ListenerSet
    let logger: Logger
    /// How often config watchers look for changed files (nil: read once).
    let configPollInterval: Duration?
    /// Variables config scripts see besides `$config`, `$log` and `$gatekeeper` (`$control`).
    let extraEnvironment: [String: AnyValue]
}

import SyndicateChannelsSchemas

/// What an endpoint does in its primitive over the broker: its role in the channel protocol,
/// the role it links to (connecting roles only), and which way items flow.
struct BrokerRole: Sendable {
    let role: ChannelProtocol.Role
    /// The accepting role a connecting role links to; nil for accepting roles.
    let counterpart: ChannelProtocol.Role?
    /// The connecting role an accepting role takes links from.
    let connector: ChannelProtocol.Role?
    let sends: Bool
    let receives: Bool

    var accepts: Bool { counterpart == nil }
    var isBarrier: Bool { role == .barrier }

    static let mpscReceiver = BrokerRole(role: .mpscReceiver, counterpart: nil, connector: .mpscSender, sends: false, receives: true)
    static let mpscSender = BrokerRole(role: .mpscSender, counterpart: .mpscReceiver, connector: nil, sends: true, receives: false)
    static let broadcastSender = BrokerRole(role: .broadcastSender, counterpart: nil, connector: .broadcastReceiver, sends: true, receives: false)
    static let broadcastReceiver = BrokerRole(role: .broadcastReceiver, counterpart: .broadcastSender, connector: nil, sends: false, receives: true)
    /// The barrier "sends" releases (assertions, not items).
    static let barrier = BrokerRole(role: .barrier, counterpart: nil, connector: .waiter, sends: true, receives: false)
    static let waiter = BrokerRole(role: .waiter, counterpart: .barrier, connector: nil, sends: false, receives: true)
    static let listener = BrokerRole(role: .listener, counterpart: nil, connector: .connector, sends: true, receives: true)
    static let connector = BrokerRole(role: .connector, counterpart: .listener, connector: nil, sends: true, receives: true)
}

/// The five primitives of tsyncp. Each opens its primitive, runs `body` with it, and closes what
/// it opened when `body` returns or throws, or when the calling task is cancelled.
///
/// In direct mode the side that accepts peers listens (tsyncp's `_on` constructors): mpsc's
/// receiver, broadcast's sender, the barrier, a multi-channel, and a channel opened with
/// `listen: true`. The other side connects (`_to`). Over the broker both sides connect to the
/// broker and meet by the channel's name; the same sides accept peers (limits, filters) and
/// link to them (retry).
public enum Channels {
    // MARK: mpsc: many senders, one receiver

    /// mpsc's receiver: fan-in from every sender (tsyncp `mpsc::receiver_on`).
    public static func mpscReceiver<Codec: ChannelCodec, R: Sendable>(
        _ transport: Transport, codec: Codec, options: ChannelOptions = .init(),
        _ body: (ChannelReceiver<Codec>) async throws -> R
    ) async throws -> R {
        try await listening(transport, role: .mpscReceiver, options: options) { try await body(ChannelReceiver(engine: $0, codec: codec)) }
    }

    /// mpsc's sender (tsyncp `mpsc::sender_to`).
    public static func mpscSender<Codec: ChannelCodec, R: Sendable>(
        _ transport: Transport, codec: Codec, options: ChannelOptions = .init(),
        _ body: (ChannelSender<Codec>) async throws -> R
    ) async throws -> R {
        try await connecting(transport, role: .mpscSender, options: options) { try await body(ChannelSender(engine: $0, codec: codec)) }
    }

    // MARK: broadcast: one sender, many receivers

    /// broadcast's sender: every item to every receiver (tsyncp `broadcast::sender_on`).
    public static func broadcastSender<Codec: ChannelCodec, R: Sendable>(
        _ transport: Transport, codec: Codec, options: ChannelOptions = .init(),
        _ body: (ChannelSender<Codec>) async throws -> R
    ) async throws -> R {
        try await listening(transport, role: .broadcastSender, options: options) { try await body(ChannelSender(engine: $0, codec: codec)) }
    }

    /// broadcast's receiver (tsyncp `broadcast::receiver_to`).
    public static func broadcastReceiver<Codec: ChannelCodec, R: Sendable>(
        _ transport: Transport, codec: Codec, options: ChannelOptions = .init(),
        _ body: (ChannelReceiver<Codec>) async throws -> R
    ) async throws -> R {
        try await connecting(transport, role: .broadcastReceiver, options: options) { try await body(ChannelReceiver(engine: $0, codec: codec)) }
    }

    // MARK: barrier

    /// The barrier (tsyncp `barrier::barrier_on`).
    public static func barrier<R: Sendable>(
        _ transport: Transport, options: ChannelOptions = .init(), _ body: (Barrier) async throws -> R
    ) async throws -> R {
        let flag = BarrierFlag()
        return try await listening(transport, role: .barrier, options: options, prepare: { engine in
            if options.releaseLateArrivals { engine.releaseLateArrivals(flag) }
        }) { try await body(Barrier(engine: $0, released: flag)) }
    }

    /// A barrier's waiter (tsyncp `barrier::waiter_to`).
    public static func barrierWaiter<R: Sendable>(
        _ transport: Transport, options: ChannelOptions = .init(), _ body: (BarrierWaiter) async throws -> R
    ) async throws -> R {
        try await connecting(transport, role: .waiter, options: options) { try await body(BarrierWaiter(engine: $0)) }
    }

    // MARK: channel (1:1) and multi-channel (many ↔ many)

    /// A 1:1 two-way channel (tsyncp `channel::channel_on` with `listen`, `channel_to` without).
    /// The listening side waits for its one peer, then stops listening.
    public static func channel<Codec: ChannelCodec, R: Sendable>(
        _ transport: Transport, listen: Bool, codec: Codec, options: ChannelOptions = .init(),
        _ body: (Duplex<Codec>) async throws -> R
    ) async throws -> R {
        if listen {
            var one = options
            one.limit = 1
            one.accept = 1
            return try await listening(transport, role: .listener, options: one, single: true, prepare: { _ in }) { engine in
                (engine as? DirectEngine)?.closeListener()
                return try await body(Duplex(engine: engine, codec: codec))
            }
        }
        return try await connecting(transport, role: .connector, options: options) { try await body(Duplex(engine: $0, codec: codec)) }
    }

    /// A many-to-many channel: receives from every peer, sends to all or some (tsyncp
    /// `multi_channel::channel_on`).
    public static func multiChannel<Codec: ChannelCodec, R: Sendable>(
        _ transport: Transport, codec: Codec, options: ChannelOptions = .init(),
        _ body: (Duplex<Codec>) async throws -> R
    ) async throws -> R {
        try await listening(transport, role: .listener, options: options) { try await body(Duplex(engine: $0, codec: codec)) }
    }

    // MARK: Transports

    static func listening<R: Sendable>(
        _ transport: Transport, role: BrokerRole, options: ChannelOptions, single: Bool = false,
        prepare: (any ChannelEngine) -> Void = { _ in },
        _ body: (any ChannelEngine) async throws -> R
    ) async throws -> R {
        switch transport {
        case .direct(let host, let port):
            return try await DirectBootstrap.listening(host: host, port: port, options: options, single: single, prepare: prepare, body)
        case .broker, .brokerClient:
            return try await BrokerBootstrap.open(transport, role: role, options: options, single: single, prepare: prepare, body)
        }
    }

    static func connecting<R: Sendable>(
        _ transport: Transport, role: BrokerRole, options: ChannelOptions, _ body: (any ChannelEngine) async throws -> R
    ) async throws -> R {
        switch transport {
        case .direct(let host, let port):
            return try await DirectBootstrap.connecting(host: host, port: port, options: options, body)
        case .broker, .brokerClient:
            return try await BrokerBootstrap.open(transport, role: role, options: options, body)
        }
    }
}

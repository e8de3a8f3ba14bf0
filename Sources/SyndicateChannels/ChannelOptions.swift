/// The builder options of tsyncp's primitives that make sense here. Each applies where the
/// primitive accepts peers (listening side in direct mode) or connects (the other side).
public struct ChannelOptions: Sendable {
    /// At most this many peers at once (tsyncp's `limit`); more are refused. `nil`: no limit.
    public var limit: Int?
    /// Wait for this many peers before the body starts (tsyncp's `.accept().num(n)`).
    public var accept: Int = 0
    /// How long to wait for them; `nil` waits forever.
    public var acceptTimeout: Duration?
    /// Peers for which this is false are refused (tsyncp's accept `filter`). Gets the peer's address.
    public var filter: (@Sendable (String) -> Bool)?
    /// Called for each peer that joins (tsyncp's accept `handle`).
    public var onJoin: (@Sendable (Peer) -> Void)?
    /// Keep trying to reach the other side for this long (tsyncp's `retry`, with a deadline). `nil`: fail at once.
    public var retry: Duration?
    /// Pause between tries.
    public var retryInterval: Duration = .milliseconds(100)
    /// The largest frame accepted or sent (inclusive), direct mode.
    public var maximumFrameLength: Int = VariedLengthHeader.defaultMaximumFrameLength
    /// Barrier: send the release again to waiters that arrive after it (release as state).
    public var releaseLateArrivals: Bool = true
    /// Direct mode: frames received but not yet taken by the receiver, across all peers, before
    /// reading from the sockets pauses (back-pressure). Over the broker: the credit window each
    /// sender is granted, in items (a sender waits once it has this many items not yet taken).
    public var receiveBuffer: Int = 256
    /// Give up on a `send` (or `release`) that cannot be delivered within this time, with
    /// ``ChannelError/timedOut(_:)``: over the broker, a peer that grants no credit; direct, a
    /// socket that does not drain. `nil`: wait as long as it takes.
    public var sendTimeout: Duration?
    /// Over the broker: the name this endpoint goes by in its peers' `Peer.address` (default:
    /// a random `peer-…` token). Peers are told apart by their session's capability, not by
    /// this name.
    public var label: String?
    /// Over the broker, accepting side: how long a link whose connector has not yet sent
    /// `<channel-ready>` holds its place (a `Connect` naming someone else's entity never does);
    /// then it is dropped with a `refused` event. At most 64 such links wait at once.
    public var readyTimeout: Duration = .seconds(10)
    /// Direct mode, a side with one connection (a connecting side, a 1:1 channel's listening
    /// side), and over the broker an endpoint with a connection of its own (`.broker`): run the
    /// body on that connection's event loop (a task executor preference), so that an item read
    /// from the socket resumes the body, and what the body sends reaches the socket, without a
    /// thread hop (a round trip otherwise costs four: about 1.8× a bare swift-nio loop's).
    /// The body then shares that thread with the connection's I/O and with other connections on
    /// the loop: like any code on Swift's cooperative pool it must not block, and heavy
    /// synchronous work belongs in a task of its own (or set this to false). On by default.
    public var runsOnConnectionLoop: Bool = true

    public init(
        limit: Int? = nil, accept: Int = 0, acceptTimeout: Duration? = nil,
        filter: (@Sendable (String) -> Bool)? = nil, onJoin: (@Sendable (Peer) -> Void)? = nil,
        retry: Duration? = nil
    ) {
        self.limit = limit
        self.accept = accept
        self.acceptTimeout = acceptTimeout
        self.filter = filter
        self.onJoin = onJoin
        self.retry = retry
    }
}

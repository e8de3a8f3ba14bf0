/// The connection under a relay session, implemented by the transports (TCP, Unix sockets,
/// WebSocket, stdio). All methods may be called from any thread and must not block.
public protocol RelayTransport: AnyObject, Sendable {
    /// Queues one encoded packet for the peer.
    func send(_ bytes: [UInt8])
    /// Sends everything queued, then closes the connection.
    func close()
    /// The relay has caught up with the packets delivered to it: reading may go on.
    func resumeReading()
}

/// The connection under a relay session, implemented by the transports (TCP, Unix sockets,
/// WebSocket, stdio). All methods may be called from any thread and must not block.
public protocol RelayTransport: AnyObject, Sendable {
    /// Queues one encoded packet for the peer. `loan` is charged to its account until the
    /// peer's socket has accepted the bytes (see ``Account``).
    func send(_ bytes: [UInt8], loan: Loan?)
    /// Sends everything queued, then `finalPacket` if given (even past the output limits, so
    /// a peer cut off as a slow consumer still hears why), then closes the connection.
    func close(finalPacket: [UInt8]?)
    /// ``close(finalPacket:)``; with `discardingQueued`, output not yet handed to the
    /// connection is dropped first, so the final packet goes out at once (a peer cut off as a
    /// slow consumer, or at shutdown, hears why without first reading its whole backlog).
    func close(finalPacket: [UInt8]?, discardingQueued: Bool)
    /// The relay has caught up with the packets delivered to it: reading may go on.
    func resumeReading()
    /// Called by the session it carries: how the transport ends the session when it must
    /// (a peer that does not read). The transport drops the handler when it closes.
    func setFailureHandler(_ handler: @escaping @Sendable (RelayError) -> Void)
}

extension RelayTransport {
    public func send(_ bytes: [UInt8]) { send(bytes, loan: nil) }
    public func close() { close(finalPacket: nil) }
    public func close(finalPacket: [UInt8]?, discardingQueued: Bool) { close(finalPacket: finalPacket) }
    public func setFailureHandler(_ handler: @escaping @Sendable (RelayError) -> Void) {}
}

/// The decoding side of tsyncp's framing as a state machine: feed it the bytes available, it says
/// what to do next. It checks the length against the limit as soon as the header is complete, so
/// nothing is allocated for a frame that will be refused.
public struct FrameParser: Sendable {
    /// What the parser has seen of the current frame.
    public enum State: Sendable, Equatable {
        /// Waiting for (the rest of) a header.
        case header
        /// The header said `length`; waiting for that many payload bytes.
        case payload(length: Int)
        /// A frame was refused; the connection must close.
        case failed
    }

    /// What the caller does next.
    public enum Action: Sendable, Equatable {
        /// Not enough bytes yet: keep them and wait for more.
        case needMore(bytes: Int)
        /// Skip `headerSize` bytes; the next `length` bytes are one frame's payload.
        case frame(headerSize: Int, length: Int)
        /// The header announces more than the limit: close the connection.
        case refuse(length: Int, limit: Int)
    }

    public private(set) var state: State = .header
    /// The largest payload accepted (inclusive).
    public let maximumFrameLength: Int

    public init(maximumFrameLength: Int = VariedLengthHeader.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Looks at the start of `available` (the unread bytes) and says what to do. After `.frame`,
    /// the caller consumes header and payload and calls again.
    public mutating func next(_ available: some Collection<UInt8>) -> Action {
        switch state {
        case .failed:
            return .refuse(length: 0, limit: maximumFrameLength)
        case .payload(let length):
            // The header was read already but the payload was short: the header is still there.
            return payloadAction(available, length: length)
        case .header:
            guard let first = available.first else { return .needMore(bytes: 1) }
            let size = VariedLengthHeader.headerSize(firstByte: first)
            guard available.count >= size else { return .needMore(bytes: size - available.count) }
            let length = VariedLengthHeader.length(ofHeader: available.prefix(size))
            guard length <= maximumFrameLength else {
                state = .failed
                return .refuse(length: length, limit: maximumFrameLength)
            }
            state = .payload(length: length)
            return payloadAction(available, length: length)
        }
    }

    private mutating func payloadAction(_ available: some Collection<UInt8>, length: Int) -> Action {
        let size = VariedLengthHeader.headerSize(firstByte: available.first ?? 0)
        let needed = size + length
        if available.count < needed { return .needMore(bytes: needed - available.count) }
        state = .header
        return .frame(headerSize: size, length: length)
    }
}

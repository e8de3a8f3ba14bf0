import Preserves
import SyndicateProtocols

/// The two syntaxes a peer may speak; a relay answers in the syntax it last heard.
public enum WireSyntax: Sendable, Hashable {
    /// Preserves binary syntax (`application/syndicate`).
    case binary
    /// Preserves text syntax (`text/syndicate`), one packet per line.
    case text
}

/// Splits a byte stream of concatenated Preserves values into protocol packets.
///
/// Each value's syntax is sniffed from its first byte, as upstream relays do: a byte of `0x80`
/// or more starts a binary value, anything else starts text. Bytes arrive in pieces of any
/// size; ``next()`` returns `nil` while a packet is incomplete and throws a ``RelayError``
/// (with the stream offset) for input that can never become a packet. Limits on size and
/// nesting are enforced before a packet is buffered in full.
///
/// A binary packet that has arrived whole is decoded in one pass. Otherwise (or when fewer
/// bytes are pending than the last packet took, so that it most likely has not), and for text,
/// a frame scanner for the syntax finds where the packet ends, resuming where it stopped when
/// more bytes arrive, so the work is linear in the bytes received however they are split; the
/// packet is then read once.
public struct PacketFramer: Sendable {
    private let binaryReader: BinaryReader<WireEmbedded>
    private let textReader: TextReader<WireEmbedded>
    private var scanner: BinaryFrameScanner
    /// Whether the binary packet at `start` was found incomplete, and is being scanned for its end.
    private var scanningBinary = false
    private var textScanner: TextFrameScanner
    private var buffer: [UInt8] = []
    private var start = 0
    /// Stream offset of `buffer[0]`.
    private var origin = 0
    /// Bytes of text packets read after scanning them.
    private var textBytesRead = 0
    /// The length of the last binary packet. Fewer bytes than that pending most likely hold
    /// an incomplete packet (the last one of a read, cut off), which is scanned for its end
    /// rather than decoded until the bytes run out, only to be decoded again later.
    private var lastBinaryLength = 0

    /// The syntax of the last value read, which the reply should use.
    public private(set) var lastSyntax: WireSyntax?
    /// Whether the last packet ``next()`` returned may hold embedded values: `false` only
    /// when it was read straight into its type and the reader met none, so that the relay can
    /// move its values into the local embedding without walking them (see
    /// ``RelaySession/deliver(_:syntax:size:holdsEmbedded:)``).
    public private(set) var lastPacketMayHoldEmbedded = true

    public init(limits: RelayLimits = .default) {
        self.binaryReader = BinaryReader(limits: limits.readerLimits)
        self.textReader = TextReader(limits: limits.readerLimits)
        self.scanner = BinaryFrameScanner(limits: limits.readerLimits)
        self.textScanner = TextFrameScanner(limits: limits.readerLimits)
    }

    /// The work spent on text so far, in bytes looked at by the scanner and the reader: it
    /// stays within a small multiple of the bytes received.
    var textBytesExamined: Int { textScanner.examinedByteCount + textBytesRead }

    /// Bytes received and not yet returned as packets.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(..<start)
            origin += start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete packet, or `nil` if more bytes are needed.
    public mutating func next() throws(RelayError) -> WirePacket? {
        skipWhitespace()
        guard start < buffer.count else { return nil }
        if buffer[start] >= 0x80 {
            switch try nextBinary(direct: true) {
            case nil: return nil
            case .packet(let packet, let holdsEmbedded)?:
                lastPacketMayHoldEmbedded = holdsEmbedded
                return packet
            case .value(let value)?:
                lastPacketMayHoldEmbedded = true
                return try packet(from: value)
            }
        }
        guard let value = try nextText() else { return nil }
        lastPacketMayHoldEmbedded = true
        return try packet(from: value)
    }

    private func packet(from value: WireValue) throws(RelayError) -> WirePacket {
        do {
            return try WirePacket(preserves: value)
        } catch {
            throw RelayError(.malformedPacket, "not a protocol packet: \(error)", offset: origin + start)
        }
    }

    /// The next complete value, whatever it is, or `nil` if more bytes are needed.
    public mutating func nextValue() throws(RelayError) -> WireValue? {
        skipWhitespace()
        guard start < buffer.count else { return nil }
        if buffer[start] >= 0x80 {
            switch try nextBinary(direct: false) {
            case nil: return nil
            case .packet(let packet, _)?: return packet.preserves
            case .value(let value)?: return value
            }
        } else {
            return try nextText()
        }
    }

    private mutating func skipWhitespace() {
        while start < buffer.count, Self.isWhitespace(buffer[start]) { start += 1 }
    }

    /// A binary packet: read straight into its type where that succeeds (see
    /// `Preserves.BinarySource`), else decoded as a value.
    private enum Decoded {
        case packet(WirePacket, holdsEmbedded: Bool)
        case value(WireValue)
    }

    /// The next binary value, or `nil` if it is not all here yet. With `direct`, a packet is
    /// read straight into its type where that works, and otherwise decoded as a value (which
    /// also finds and reports what is wrong with bad input).
    private mutating func nextBinary(direct: Bool) throws(RelayError) -> Decoded? {
        let base = origin + start
        let scanning = self.scanningBinary || buffer.count - start < lastBinaryLength
        let reader = binaryReader
        let result: Result<(Decoded, Int)?, BinaryDecodingError> = buffer.withUnsafeBytes { all in
            let pending = UnsafeRawBufferPointer(rebasing: all[start...])
            do throws(BinaryDecodingError) {
                if !scanning {
                    // Usually the whole packet is here: decode it in one pass.
                    if direct, let (packet, end, embedded) = reader.decodePrefixNotingEmbedded(WirePacket.self, pending) {
                        return .success((.packet(packet, holdsEmbedded: embedded), end))
                    }
                    do throws(BinaryDecodingError) {
                        let (value, end) = try reader.decodePrefix(pending)
                        return .success((.value(value), end))
                    } catch where error.isEndOfInput {
                        // Not all here: the resumable scanner finds its end as bytes arrive,
                        // so a packet split into many pieces is still read in linear time.
                    }
                }
                guard let length = try scanner.scan(pending) else { return .success(nil) }
                let whole = UnsafeRawBufferPointer(rebasing: pending[..<length])
                if direct, let (packet, end, embedded) = reader.decodePrefixNotingEmbedded(WirePacket.self, whole), end == length {
                    return .success((.packet(packet, holdsEmbedded: embedded), length))
                }
                let value = try reader.decode(whole)
                return .success((.value(value), length))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(nil):
            scanningBinary = true
            return nil
        case .success(let (value, length)?):
            if scanning {
                scanner.reset()
                scanningBinary = false
            }
            start += length
            lastBinaryLength = length
            lastSyntax = .binary
            return value
        case .failure(let error):
            let kind: RelayError.Kind = error.kind == .limitExceeded ? .limitExceeded : .malformedSyntax
            throw RelayError(kind, "bad binary value: \(error.message)", offset: base + error.offset)
        }
    }

    private mutating func nextText() throws(RelayError) -> WireValue? {
        let base = origin + start
        let reader = textReader
        let startIndex = start
        let result: Result<(WireValue, Int)?, TextParseError> = buffer.withUnsafeBufferPointer { all in
            let pending = UnsafeBufferPointer(rebasing: all[startIndex...])
            do throws(TextParseError) {
                guard let length = try textScanner.scan(pending) else { return .success(nil) }
                let packet = UnsafeBufferPointer(rebasing: pending[..<length])
                // The scanner and the reader agree on where a value ends; anything else is a
                // bug, reported rather than trusted.
                guard let (value, end) = try reader.decodePrefix(packet), end == length else {
                    throw TextParseError(.malformed, offset: 0, line: 1, column: 1, "the text reader disagrees with the frame scanner")
                }
                return .success((value, length))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(nil):
            return nil
        case .success(let (value, length)?):
            textScanner.reset()
            textBytesRead += length
            start += length
            lastSyntax = .text
            return value
        case .failure(let error):
            // Whatever the scanner calls complete is read whole: running out of input there
            // means the text is wrong, not that more is coming.
            let kind: RelayError.Kind = error.kind == .limitExceeded ? .limitExceeded : .malformedSyntax
            throw RelayError(kind, "bad text value at \(error.description)", offset: base + error.offset)
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x2C
    }
}

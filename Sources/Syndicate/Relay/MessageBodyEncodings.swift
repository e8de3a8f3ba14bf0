import Foundation
import Preserves
import SyndicateProtocols

/// The binary encodings of recent outgoing `message` events, by body, shared by all relays in
/// the process: a message sent to many peers is encoded once rather than once per peer.
///
/// A dataspace hands one value (one storage) to every subscriber it delivers a message to;
/// the relays of those subscribers find the encoding here by the value's storage identity (see
/// ``ValueStorageIdentity``), a comparison of two words, with no hashing or walking of the value.
/// Only bodies without embedded values are kept (those with embedded values are encoded per
/// peer, by its membrane), and only small ones: for large ones encoding is mostly copying,
/// which reusing the bytes costs as well.
///
/// Memory is bounded: a fixed number of slots, each holding one event of at most
/// ``maxEventSize`` bytes and the body it was made from (which keeps the identity valid). A new
/// body takes the slot of whatever was there.
final class MessageBodyEncodings: @unchecked Sendable {
    static let shared = MessageBodyEncodings()

    /// The encoding of `<M body>` (a `protocol.Event`) for one body.
    final class Entry: Sendable {
        let identity: ValueStorageIdentity
        /// Kept so that no other value takes its storage, and with it its identity.
        let body: AnyValue
        let eventBytes: [UInt8]

        init(identity: ValueStorageIdentity, body: AnyValue, eventBytes: [UInt8]) {
            self.identity = identity
            self.body = body
            self.eventBytes = eventBytes
        }

        /// Writes the turn event `[oid <M body>]` as `Protocol.TurnEvent.write(to:)` writes the
        /// tuple, with the event's bytes made by `Protocol.Event.write(to:)` once for all.
        func write(oid: Int, to emitter: inout BinaryEmitter<WireEmbedded>) {
            emitter.beginSequence()
            Protocol.writeOid(SignedInteger(oid), to: &emitter)
            emitter.output.append(contentsOf: eventBytes)
            emitter.end()
        }
    }

    /// Events encoded to more bytes than this are not kept.
    static let maxEventSize = 1024
    private static let slotBits = 12

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    /// Accessed only under `lock`.
    @exclusivity(unchecked) private var slots: [Entry?]

    init() {
        slots = Array(repeating: nil, count: 1 << Self.slotBits)
    }

    private static func slot(_ identity: ValueStorageIdentity) -> Int {
        // Items are at least 8-byte aligned; Fibonacci hashing spreads consecutive addresses.
        let key = UInt64(identity.address >> 3) ^ (identity.isRecord ? 0x5555 : 0)
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
    }

    /// The encoded event for `body` (the same storage), if one was made recently.
    func event(for body: AnyValue) -> Entry? {
        guard let identity = body.storageIdentity else { return nil }
        let i = Self.slot(identity)
        lock.lock()
        let entry = slots[i]
        lock.unlock()
        // `body` and the entry's body are both alive here: equal identities mean one storage.
        guard let entry, entry.identity == identity else { return nil }
        return entry
    }

    /// Encodes the event `<M wire>`, where `wire` is `body`, which holds no embedded value,
    /// in the wire embedding; keeps it for the next relays that send `body` if it is small.
    /// `nil` if `body` has no storage identity (it is neither a record nor a sequence).
    func encodeEvent(for body: AnyValue, _ wire: WireValue) -> Entry? {
        guard let identity = body.storageIdentity else { return nil }
        var emitter = BinaryEmitter(writer: PacketWriter.binaryWriter)
        emitter.output.reserveCapacity(64)
        Protocol.Event<WireEmbedded>.message(Protocol.Message(body: wire)).write(to: &emitter)
        let entry = Entry(identity: identity, body: body, eventBytes: emitter.output)
        guard entry.eventBytes.count <= Self.maxEventSize else { return entry }
        let i = Self.slot(identity)
        lock.lock()
        let evicted = slots[i]
        slots[i] = entry
        lock.unlock()
        withExtendedLifetime(evicted) {}  // released here, outside the lock
        return entry
    }
}

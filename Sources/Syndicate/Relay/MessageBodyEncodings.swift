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
/// The first relay to ask about a body (``find(_:body:)`` answers ``Found/first``, under the
/// lock, once per body) writes the event straight into its packet, then leaves a copy of those
/// bytes here (``keep(_:eventBytes:)``) for the others; one that asks before the copy is here
/// (``Found/pending``) writes the event itself.
///
/// Memory is bounded: a fixed number of slots, each holding one body and at most one event of
/// at most ``maxEventSize`` bytes. The body keeps its identity valid (no other value can take
/// its storage while it is here). A new body takes the slot of whatever was there; a body
/// whose event turns out too large is dropped (``forget(_:)``).
final class MessageBodyEncodings: @unchecked Sendable {
    static let shared = MessageBodyEncodings()

    /// The encoding of `<M body>` (a `protocol.Event`) for one body.
    struct Entry: Sendable {
        let eventBytes: [UInt8]

        /// Writes the turn event `[oid <M body>]` as `Protocol.TurnEvent.write(to:)` writes the
        /// tuple, with the event's bytes made by `Protocol.Event.write(to:)` once for all.
        func write(oid: Int, to emitter: inout BinaryEmitter<WireEmbedded>) {
            emitter.beginSequence()
            Protocol.writeOid(SignedInteger(oid), to: &emitter)
            emitter.output.append(contentsOf: eventBytes)
            emitter.end()
        }
    }

    /// What the table told the relay asking about a body, and what the relay should do.
    enum Found {
        /// The first to ask: write the event, then ``keep(_:eventBytes:)`` it.
        case first
        /// The first has not kept the event yet: write it, keep nothing.
        case pending
        /// Its event, encoded.
        case encoded(Entry)
    }

    /// One body and, once its first relay wrote it, its event.
    private struct Slot {
        var identity: ValueStorageIdentity?
        /// Kept so that no other value takes its storage, and with it its identity.
        var body: AnyValue = .boolean(false)
        /// The event's bytes, when `hasEvent`. The buffer stays with the slot from one body to
        /// the next, so keeping an event copies bytes and allocates nothing (unless a relay
        /// still holds the previous event's bytes).
        var eventBytes: [UInt8] = []
        var hasEvent = false
    }

    /// Events encoded to more bytes than this are not kept. With 16,384 slots that is at most
    /// 4 MiB of bytes, and the bodies kept alive for them take a small multiple of their encoded
    /// size in memory (an item of one byte is a `Value` of a few words), so tens of MiB at worst,
    /// whatever the peers send (as with 4,096 slots of 1 KiB before).
    static let maxEventSize = 256
    /// 16,384 slots: relays on other event loops can lag thousands of messages behind the
    /// first recipient, and a body evicted before they get to it is encoded again (with 4,096,
    /// under callgrind, most second recipients found their body gone).
    private static let slotBits = 14

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    /// Accessed only under `lock`.
    @exclusivity(unchecked) private var slots: [Slot]

    init() {
        slots = Array(repeating: Slot(), count: 1 << Self.slotBits)
    }

    private static func slot(_ identity: ValueStorageIdentity) -> Int {
        // Items are at least 8-byte aligned; Fibonacci hashing spreads consecutive addresses.
        let key = UInt64(identity.address >> 3) ^ (identity.isRecord ? 0x5555 : 0)
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
    }

    /// What to do with `body`, whose storage is `identity` (the caller holds `body`, so an
    /// equal identity in the table means the same storage); a body not in the table is noted.
    func find(_ identity: ValueStorageIdentity, body: AnyValue) -> Found {
        let i = Self.slot(identity)
        var evicted = body
        lock.lock()
        if slots[i].identity == identity {
            let found: Found = slots[i].hasEvent ? .encoded(Entry(eventBytes: slots[i].eventBytes)) : .pending
            lock.unlock()
            return found
        }
        slots[i].identity = identity
        slots[i].hasEvent = false
        swap(&slots[i].body, &evicted)
        lock.unlock()
        withExtendedLifetime(evicted) {}  // the previous body, released here, outside the lock
        return .first
    }

    /// Keeps `eventBytes`, the encoded event `<M body>`, for the next relays that send the body
    /// whose storage is `identity`; the caller was told ``Found/first``. A body whose event is
    /// larger than ``maxEventSize`` is forgotten instead.
    func keep(_ identity: ValueStorageIdentity, eventBytes: ArraySlice<UInt8>) {
        guard eventBytes.count <= Self.maxEventSize else {
            forget(identity)
            return
        }
        let i = Self.slot(identity)
        lock.lock()
        // Taken by another body meanwhile: that one is kept instead.
        if slots[i].identity == identity {
            if slots[i].eventBytes.capacity < eventBytes.count {
                slots[i].eventBytes = Array(eventBytes)  // sized to fit, so the bound above holds
            } else {
                slots[i].eventBytes.removeAll(keepingCapacity: true)
                slots[i].eventBytes.append(contentsOf: eventBytes)
            }
            slots[i].hasEvent = true
        }
        lock.unlock()
    }

    /// Drops the body whose storage is `identity`, if it is still here.
    func forget(_ identity: ValueStorageIdentity) {
        let i = Self.slot(identity)
        var evicted = Slot()
        lock.lock()
        if slots[i].identity == identity { swap(&slots[i], &evicted) }
        lock.unlock()
        withExtendedLifetime(evicted) {}  // its bytes too: they may have been large
    }

    /// The encoded event for `body` (the same storage), if one was kept recently.
    func event(for body: AnyValue) -> Entry? {
        guard let identity = body.storageIdentity else { return nil }
        let i = Self.slot(identity)
        lock.lock()
        let bytes = slots[i].identity == identity && slots[i].hasEvent ? slots[i].eventBytes : nil
        lock.unlock()
        return bytes.map { Entry(eventBytes: $0) }
    }

    /// Encodes the event `<M wire>`, where `wire` is `body`, which holds no embedded value,
    /// in the wire embedding, and keeps it for the next relays that send `body` if it is small.
    /// `nil` if `body` has no storage identity (it is neither a record nor a sequence).
    func encodeEvent(for body: AnyValue, _ wire: WireValue) -> Entry? {
        guard let identity = body.storageIdentity else { return nil }
        var emitter = BinaryEmitter(writer: PacketWriter.binaryWriter)
        Protocol.Event<WireEmbedded>.message(Protocol.Message(body: wire)).write(to: &emitter)
        if case .first = find(identity, body: body) { keep(identity, eventBytes: emitter.output[...]) }
        return Entry(eventBytes: emitter.output)
    }
}

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
/// The first relay to ask about a body (``find(_:body:appendingTo:)`` answers ``Found/first``,
/// under the lock, once per body) writes the event straight into its packet, then leaves a
/// copy of those bytes here (``keep(_:eventBytes:)``) for the others, whose packets get them
/// appended under the lock (``Found/encoded``); one that asks before the copy is here
/// (``Found/pending``) writes the event itself.
///
/// Memory is bounded and allocated once: a fixed number of slots, each holding one body and
/// room for one event of at most ``maxEventSize`` bytes, in one region that is only written
/// (so made resident) as slots are used. The body keeps its identity valid (no other value can
/// take its storage while it is here). A new body takes the slot of whatever was there; a body
/// whose event turns out too large is dropped (``forget(_:)``).
final class MessageBodyEncodings: @unchecked Sendable {
    static let shared = MessageBodyEncodings()

    /// What the table told the relay asking about a body, and what the relay should do.
    enum Found {
        /// The first to ask: write the event, then ``keep(_:eventBytes:)`` it.
        case first
        /// The first has not kept the event yet: write it, keep nothing.
        case pending
        /// Its event, encoded, has been appended to the caller's output.
        case encoded
    }

    /// One body and, once its first relay wrote it, the length of its event in the region.
    private struct Slot {
        var identity: ValueStorageIdentity?
        /// Kept so that no other value takes its storage, and with it its identity.
        var body: AnyValue = .boolean(false)
        /// The length of the event's bytes in the slot's part of the region; `nil` until kept.
        var eventLength: Int?
    }

    /// Events encoded to more bytes than this are not kept. With 16,384 slots that is 4 MiB of
    /// bytes at most, and the bodies kept alive for them take a small multiple of their encoded
    /// size in memory (an item of one byte is a `Value` of a few words), so tens of MiB at worst,
    /// whatever the peers send.
    static let maxEventSize = 256
    /// 16,384 slots: relays on other event loops can lag thousands of messages behind the
    /// first recipient, and a body evicted before they get to it is encoded again (with 4,096,
    /// under callgrind, most second recipients found their body gone).
    private static let slotBits = 14

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    /// Accessed only under `lock`.
    @exclusivity(unchecked) private var slots: [Slot]
    /// `maxEventSize` bytes for each slot's event, accessed only under `lock`.
    private let region: UnsafeMutableRawPointer

    init() {
        slots = Array(repeating: Slot(), count: 1 << Self.slotBits)
        region = UnsafeMutableRawPointer.allocate(byteCount: Self.maxEventSize << Self.slotBits, alignment: 16)
    }

    deinit { region.deallocate() }

    private static func slot(_ identity: ValueStorageIdentity) -> Int {
        // Items are at least 8-byte aligned; Fibonacci hashing spreads consecutive addresses.
        let key = UInt64(identity.address >> 3) ^ (identity.isRecord ? 0x5555 : 0)
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
    }

    /// Where slot `i`'s event bytes live in the region.
    private func eventStart(slot i: Int) -> UnsafeMutableRawPointer { region + i * Self.maxEventSize }

    private func eventBytes(slot i: Int, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: eventStart(slot: i), count: count)
    }

    /// What to do with `body`, whose storage is `identity` (the caller holds `body`, so an
    /// equal identity in the table means the same storage); a body not in the table is noted.
    /// When its event is kept, its bytes are appended to `output` (``Found/encoded``).
    func find(_ identity: ValueStorageIdentity, body: AnyValue, appendingTo output: inout [UInt8]) -> Found {
        let i = Self.slot(identity)
        var evicted = body
        lock.lock()
        if slots[i].identity == identity {
            guard let length = slots[i].eventLength else {
                lock.unlock()
                return .pending
            }
            output.append(contentsOf: eventBytes(slot: i, count: length))
            lock.unlock()
            return .encoded
        }
        slots[i].identity = identity
        slots[i].eventLength = nil
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
        eventBytes.withUnsafeBytes { bytes in
            lock.lock()
            // Taken by another body meanwhile: that one is kept instead.
            if slots[i].identity == identity {
                if let base = bytes.baseAddress { eventStart(slot: i).copyMemory(from: base, byteCount: bytes.count) }
                slots[i].eventLength = bytes.count
            }
            lock.unlock()
        }
    }

    /// Drops the body whose storage is `identity`, if it is still here.
    func forget(_ identity: ValueStorageIdentity) {
        let i = Self.slot(identity)
        var evicted = Slot()
        lock.lock()
        if slots[i].identity == identity { swap(&slots[i], &evicted) }
        lock.unlock()
        withExtendedLifetime(evicted) {}
    }

    /// The encoded event for `body` (the same storage), if one was kept recently.
    func event(for body: AnyValue) -> [UInt8]? {
        guard let identity = body.storageIdentity else { return nil }
        let i = Self.slot(identity)
        lock.lock()
        defer { lock.unlock() }
        guard slots[i].identity == identity, let length = slots[i].eventLength else { return nil }
        return Array(eventBytes(slot: i, count: length))
    }

    /// Opens the turn event `[oid <M body>]` as `Protocol.TurnEvent.write(to:)` writes the
    /// tuple: the event's bytes (written, or appended by ``find(_:body:appendingTo:)``) and the
    /// end of the sequence follow.
    static func beginTurnEvent(oid: Int, to emitter: inout BinaryEmitter<some PreservesEmbedded>) {
        emitter.beginSequence()
        Protocol.writeOid(SignedInteger(oid), to: &emitter)
    }

    /// Encodes the event `<M wire>`, where `wire` is `body`, which holds no embedded value,
    /// in the wire embedding, and keeps it for the next relays that send `body` if it is small.
    /// `nil` if `body` has no storage identity (it is neither a record nor a sequence).
    func encodeEvent(for body: AnyValue, _ wire: WireValue) -> [UInt8]? {
        guard let identity = body.storageIdentity else { return nil }
        var emitter = BinaryEmitter(writer: PacketWriter.binaryWriter)
        Protocol.Event<WireEmbedded>.message(Protocol.Message(body: wire)).write(to: &emitter)
        var ignored: [UInt8] = []
        if case .first = find(identity, body: body, appendingTo: &ignored) { keep(identity, eventBytes: emitter.output[...]) }
        return emitter.output
    }
}

import Foundation
import Synchronization

/// A bound on the bytes waiting to be written to all peers together, shared by the transports
/// of a process (or of one broker).
///
/// Back-pressure through ``Account``s keeps each producer's backlog small; this bounds the
/// sum. When a write would take the total over the budget, the connection holding the most
/// unwritten output is cut off as a slow consumer (with an `<error>` first): the last resort,
/// taken against the peer that caused the growth.
public final class OutputBudget: Sendable, Hashable {
    /// The most bytes that may wait to be written, summed over every connection.
    public let limit: Int
    private let total = Atomic<Int>(0)
    private let lock = NSLock()
    nonisolated(unsafe) private var members: [ObjectIdentifier: any OutputBudgetMember] = [:]
    nonisolated(unsafe) private var cutting = false

    public init(limit: Int) {
        self.limit = limit
    }

    /// The budget relay transports use unless told otherwise: 512 MiB for the process.
    public static let shared = OutputBudget(limit: 512 << 20)

    /// Bytes waiting to be written now, over all connections.
    public var pendingBytes: Int { total.load(ordering: .relaxed) }

    /// Connections register while they are open, so the budget can pick whom to cut off.
    public func register(_ member: any OutputBudgetMember) {
        lock.withLock { members[ObjectIdentifier(member)] = member }
    }

    public func unregister(_ member: any OutputBudgetMember) {
        lock.withLock { _ = members.removeValue(forKey: ObjectIdentifier(member)) }
    }

    /// Counts bytes queued for a peer; over budget, cuts off the member with the largest backlog.
    public func add(_ bytes: Int) {
        let now = total.add(bytes, ordering: .relaxed).newValue
        if now > limit { cutLargest() }
    }

    /// Counts bytes written (or dropped).
    public func remove(_ bytes: Int) {
        total.subtract(bytes, ordering: .relaxed)
    }

    private func cutLargest() {
        let victim = lock.withLock { () -> (any OutputBudgetMember)? in
            guard !cutting else { return nil }
            let victim = members.values.max { $0.pendingOutputBytes < $1.pendingOutputBytes }
            if victim != nil { cutting = true }
            return victim
        }
        guard let victim else { return }
        victim.cutOff(RelayError(.slowConsumer, "output budget of the server exhausted; this peer holds the largest backlog"))
        lock.withLock { cutting = false }
    }

    public static func == (a: OutputBudget, b: OutputBudget) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A connection whose unwritten output counts against an ``OutputBudget``.
public protocol OutputBudgetMember: AnyObject, Sendable {
    /// Bytes queued for the peer and not yet accepted by its socket.
    var pendingOutputBytes: Int { get }
    /// Ends the session as a slow consumer: its queued output is dropped, the peer is sent the
    /// error, and the connection closes.
    func cutOff(_ error: RelayError)
}

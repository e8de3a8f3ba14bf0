import Foundation
import Synchronization

/// What a source of work (a relay session reading from its peer) still owes: the cost of the
/// work it caused that is queued somewhere downstream and not yet done.
///
/// The cost of a packet read from a peer is charged to that peer's account. The turn that
/// handles it carries the account, and so does every turn its events cause in turn (the
/// dataspace routing a message, a relay encoding it for another peer), until the bytes are
/// accepted by the receiving peer's socket. A source stops reading while its debt is over the
/// limit, so a slow consumer slows the producers feeding it instead of growing the broker's
/// memory (syndicate-rs's relay accounts work the same way).
///
/// Costs are in bytes: bytes of the inbound packet while its effects are queued between
/// actors, then bytes of output while they wait to be written.
public final class Account: Sendable {
    /// Debt above which the source should stop taking new work.
    public let limit: Int
    private let debt = Atomic<Int>(0)
    private let hasWaiter = Atomic<Bool>(false)
    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    nonisolated(unsafe) private var waiter: (@Sendable () -> Void)?

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The cost of work caused and not yet done.
    public var currentDebt: Int { debt.load(ordering: .relaxed) }

    /// Whether the source should stop taking new work.
    public var isOverLimit: Bool { debt.load(ordering: .relaxed) > limit }

    /// Records work queued on this account's behalf.
    @inline(__always)
    public func borrow(_ cost: Int) {
        debt.add(cost, ordering: .relaxed)
    }

    /// Records work done; wakes a waiting source once the debt is down to half the limit.
    @inline(__always)
    public func repay(_ cost: Int) {
        // Sequentially consistent, paired with `whenCleared`: either this sees the waiter's flag,
        // or the waiter sees this debt (on x86 this costs what acquire-release did).
        let now = debt.subtract(cost, ordering: .sequentiallyConsistent).newValue
        if now <= limit / 2 && hasWaiter.load(ordering: .sequentiallyConsistent) { wake() }
    }

    /// Runs `resume` once the debt is down to half the limit, unless it already is; returns
    /// whether it will (`false`: go on now). One waiter at a time; a new one replaces the old.
    public func whenCleared(_ resume: @escaping @Sendable () -> Void) -> Bool {
        lock.withLock {
            // The flag goes up before the debt is read: read first, a repay landing between the
            // read and the flag would see no waiter, and the waiter would wait for good.
            waiter = resume
            hasWaiter.store(true, ordering: .sequentiallyConsistent)
            guard debt.load(ordering: .sequentiallyConsistent) > limit / 2 else {
                waiter = nil
                hasWaiter.store(false, ordering: .releasing)
                return false
            }
            return true
        }
    }

    /// Drops a registered waiter (its source is gone).
    public func cancelWaiter() {
        lock.withLock {
            waiter = nil
            hasWaiter.store(false, ordering: .releasing)
        }
    }

    private func wake() {
        let resume = lock.withLock { () -> (@Sendable () -> Void)? in
            guard debt.load(ordering: .acquiring) <= limit / 2, let w = waiter else { return nil }
            waiter = nil
            hasWaiter.store(false, ordering: .releasing)
            return w
        }
        resume?()
    }
}

/// A cost charged to an account while the work it stands for is queued.
public struct Loan: Sendable {
    public let account: Account
    public let cost: Int

    public init(account: Account, cost: Int) {
        self.account = account
        self.cost = cost
    }
}

import Dispatch

/// Where an actor's turns run: one at a time, in the order they were handed over.
///
/// By default each actor has a serial dispatch queue of its own. Actors that do I/O can share
/// the thread of their I/O instead (SyndicateNIO runs relay sessions on their channel's event
/// loop): handing work between actors on the same thread then costs no thread wake-up.
public protocol ActorExecutor: AnyObject, Sendable {
    /// Runs `work` after everything handed over before it.
    func execute(_ work: @escaping @Sendable () -> Void)
    /// Whether the caller is running on this executor now.
    var isCurrent: Bool { get }
}

/// A serial dispatch queue: borrows a pool thread only while it has work.
final class DispatchQueueExecutor: ActorExecutor {
    private let queue: DispatchQueue
    private let key = DispatchSpecificKey<Bool>()

    init(label: String) {
        // A plain serial queue. (Targeting the width-limited global queue would let code that
        // blocks Swift's cooperative threads, which share that pool, starve every actor.)
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: key, value: true)
    }

    func execute(_ work: @escaping @Sendable () -> Void) { queue.async(execute: work) }

    var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }
}

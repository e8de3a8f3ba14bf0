import NIOConcurrencyHelpers
import SyndicateNIO
import NIOCore
import Synchronization

/// The frames of every peer of a direct engine, queued for its receivers. A connection hands
/// over all the frames of one read at once, from its event loop and without waiting; when that
/// fills the queue to its capacity, the connection stops reading (and so, through TCP, its
/// sender stops) until the receivers have taken the queue down to half. The queue may pass its
/// capacity by one read per connection, so it stays bounded.
final class DirectInbox: Sendable {
    enum Arrival: Sendable {
        case frame(Peer, ByteBuffer)
        case failure(ChannelError)
    }

    private struct State {
        var buffer = CircularBuffer<Arrival>(initialCapacity: 64)
        /// Receivers waiting, oldest first. Each continuation is resumed exactly once: by whoever
        /// takes it out of here under the lock.
        /// `covered`: the waiter is the task of ``coveringCancellation(_:)``, whose handler wakes it.
        var consumers = CircularBuffer<(id: UInt64, covered: Bool, continuation: UnsafeContinuation<Arrival?, Never>)>(initialCapacity: 4)
        /// Connections that stopped reading, to be told when there is room again.
        var paused: [@Sendable () -> Void] = []
        var nextWaiter: UInt64 = 0
        var finished = false
    }

    private enum Take { case arrival(Arrival, resume: [@Sendable () -> Void]), end, wait(UInt64) }

    private let state = NIOLockedValueBox(State())
    let capacity: Int
    /// The task in ``coveringCancellation(_:)`` (its address; 0: none).
    private let coveredTask = Atomic<UInt>(0)

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues `arrivals` (in order). Returns false if the queue is now full: the caller stops
    /// reading, and `resume` is called (once, from the thread that made room) when it may read again.
    func add(_ arrivals: some Collection<Arrival>, resume: @escaping @Sendable () -> Void) -> Bool {
        // Most reads find at most one receiver waiting: it is handed its arrival without an array.
        var first: (UnsafeContinuation<Arrival?, Never>, Arrival)?
        var more: [(UnsafeContinuation<Arrival?, Never>, Arrival)] = []
        let room = state.withLock { s -> Bool in
            if s.finished { return true }
            var rest = arrivals[...]
            while let next = rest.first, let consumer = s.consumers.popFirst() {
                let handed = (consumer.continuation, next)
                if first == nil { first = handed } else { more.append(handed) }
                rest = rest.dropFirst()
            }
            s.buffer.append(contentsOf: rest)
            if s.buffer.count < capacity { return true }
            s.paused.append(resume)
            return false
        }
        if let (consumer, arrival) = first { consumer.resume(returning: arrival) }
        for (consumer, arrival) in more { consumer.resume(returning: arrival) }
        return room
    }

    /// Queues the frames of one read from `peer`, as ``add(_:resume:)``.
    func add(_ frames: [ByteBuffer], from peer: Peer, resume: @escaping @Sendable () -> Void) -> Bool {
        add(frames.lazy.map { .frame(peer, $0) }, resume: resume)
    }

    /// Queues `arrival` regardless of the capacity (a connection's failure, at its end).
    func append(_ arrival: Arrival) {
        _ = add(CollectionOfOne(arrival)) {}
    }

    private func take(_ s: inout State) -> Take? {
        guard let arrival = s.buffer.popFirst() else { return nil }
        if !s.paused.isEmpty, s.buffer.count <= capacity / 2 {
            defer { s.paused = [] }
            return .arrival(arrival, resume: s.paused)
        }
        return .arrival(arrival, resume: [])
    }

    /// The oldest arrival, waiting for one; nil once finished and drained, or when the waiting
    /// task is cancelled.
    nonisolated(nonsending) func next() async -> Arrival? {
        let immediate = state.withLock { s -> Take in
            if let taken = take(&s) { return taken }
            if s.finished { return .end }
            s.nextWaiter += 1
            return .wait(s.nextWaiter)
        }
        let id: UInt64
        switch immediate {
        case .arrival(let arrival, let resume):
            for r in resume { r() }
            return arrival
        case .end: return nil
        case .wait(let waiter): id = waiter
        }
        if let me = Self.currentTask(), me == coveredTask.load(ordering: .acquiring) {
            // This task's cancellation is watched for its whole body: no handler per wait.
            return await withUnsafeContinuation { register($0, id: id, covered: true) }
        }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { register($0, id: id, covered: false) }
        } onCancel: {
            let waiter = state.withLock { s -> UnsafeContinuation<Arrival?, Never>? in
                guard let index = s.consumers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.consumers.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Queues a waiting receiver, or resumes it at once if there is an arrival, the end, or the
    /// task is cancelled (checked under the lock, so a cancellation handler that runs after this
    /// finds the receiver queued).
    private func register(_ continuation: UnsafeContinuation<Arrival?, Never>, id: UInt64, covered: Bool) {
        let outcome = state.withLock { s -> Take in
            if let taken = take(&s) { return taken }
            if s.finished || Task.isCancelled { return .end }
            s.consumers.append((id, covered, continuation))
            return .wait(id)
        }
        switch outcome {
        case .arrival(let arrival, let resume):
            for r in resume { r() }
            continuation.resume(returning: arrival)
        case .end: continuation.resume(returning: nil)
        case .wait: break
        }
    }

    /// Runs `body` (in the calling task) with one cancellation handler for all its waits, rather
    /// than one installed and removed per wait: a receiving loop in `body` waits once per item.
    /// Waits in other tasks (a split half's, a child task's) keep their own handlers.
    func coveringCancellation<R>(_ body: () async throws -> R) async throws -> R {
        guard let me = Self.currentTask() else { return try await body() }
        let outer = coveredTask.exchange(me, ordering: .acquiringAndReleasing)
        defer { coveredTask.store(outer, ordering: .releasing) }
        return try await withTaskCancellationHandler {
            try await body()
        } onCancel: {
            let waiter = state.withLock { s -> UnsafeContinuation<Arrival?, Never>? in
                guard let index = s.consumers.firstIndex(where: { $0.covered }) else { return nil }
                return s.consumers.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The current task's address, an identity compared only while that task runs (so never
    /// with another task's reused one); nil outside a task. Swift has no public task identity:
    /// this reads `UnsafeCurrentTask`'s one word, and where that layout differs, every wait
    /// keeps its own handler (nil) rather than trapping in the cast.
    private static func currentTask() -> UInt? {
        guard MemoryLayout<UnsafeCurrentTask>.size == MemoryLayout<UInt>.size else { return nil }
        return withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } }
    }

    /// Ends the queue: what is queued is still delivered, then receivers get nil; paused
    /// connections may read again (what they read is dropped).
    func finish() {
        let (consumers, paused) = state.withLock { s in
            s.finished = true
            defer { s.consumers.removeAll(); s.paused = [] }
            return (s.consumers.map(\.continuation), s.paused)
        }
        for consumer in consumers { consumer.resume(returning: nil) }
        for resume in paused { resume() }
    }
}

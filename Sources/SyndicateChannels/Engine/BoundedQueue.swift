import NIOConcurrencyHelpers
import SyndicateNIO
import NIOCore

/// A many-producer queue with a capacity: `push` waits while the queue is full, which is how a
/// slow receiver stops the readers (and so, through TCP, the senders). `finish` ends it: waiting
/// consumers get nil, waiting producers are let go and later pushes are dropped.
final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var buffer = CircularBuffer<Element>()
        var consumers: [(id: UInt64, continuation: CheckedContinuation<Element?, Never>)] = []
        var producers: [(id: UInt64, element: Element, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiter: UInt64 = 0
        var finished = false
    }

    private enum Take { case element(Element), end, wait(UInt64) }

    private let state = NIOLockedValueBox(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds `element`, waiting while the queue is full.
    func push(_ element: Element) async {
        let id = state.withLock { s -> UInt64 in
            if s.finished || Self.deliver(element, &s, capacity: capacity) { return 0 }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard id != 0 else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.finished || Task.isCancelled || Self.deliver(element, &s, capacity: capacity) { return true }
                    s.producers.append((id, element, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let index = s.producers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.producers.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }

    /// Adds `element` now, even past the capacity: for producers bounded another way (the
    /// broker's credit), which cannot wait. Dropped once finished.
    func append(_ element: Element) {
        let consumer = state.withLock { s -> CheckedContinuation<Element?, Never>? in
            if s.finished { return nil }
            if !s.consumers.isEmpty { return s.consumers.removeFirst().continuation }
            s.buffer.append(element)
            return nil
        }
        consumer?.resume(returning: element)
    }

    /// `append(_:)` of each of `elements`, in order, under one lock.
    func append(contentsOf elements: [Element]) {
        var handed: [(CheckedContinuation<Element?, Never>, Element)] = []
        state.withLock { s in
            if s.finished { return }
            var rest = elements[...]
            while !s.consumers.isEmpty, let first = rest.first {
                handed.append((s.consumers.removeFirst().continuation, first))
                rest = rest.dropFirst()
            }
            s.buffer.append(contentsOf: rest)
        }
        for (consumer, element) in handed { consumer.resume(returning: element) }
    }

    /// Takes the oldest element, waiting for one; nil once finished and drained, or when the
    /// waiting task is cancelled.
    func next() async -> Element? {
        let immediate = state.withLock { s -> Take in
            if let element = s.buffer.popFirst() {
                Self.admitProducer(&s)
                return .element(element)
            }
            if s.finished { return .end }
            s.nextWaiter += 1
            return .wait(s.nextWaiter)
        }
        let id: UInt64
        switch immediate {
        case .element(let element): return element
        case .end: return nil
        case .wait(let waiter): id = waiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let outcome = state.withLock { s -> Take in
                    if let element = s.buffer.popFirst() {
                        Self.admitProducer(&s)
                        return .element(element)
                    }
                    if s.finished || Task.isCancelled { return .end }
                    s.consumers.append((id, continuation))
                    return .wait(id)
                }
                switch outcome {
                case .element(let element): continuation.resume(returning: element)
                case .end: continuation.resume(returning: nil)
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Element?, Never>? in
                guard let index = s.consumers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.consumers.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Hands `element` to a waiting consumer, or buffers it if there is room. A consumer only
    /// waits while the buffer is empty, so this keeps the order elements were pushed in.
    private static func deliver(_ element: Element, _ s: inout State, capacity: Int) -> Bool {
        if !s.consumers.isEmpty {
            s.consumers.removeFirst().continuation.resume(returning: element)
            return true
        }
        if s.buffer.count < capacity {
            s.buffer.append(element)
            return true
        }
        return false
    }

    /// Moves one waiting producer's element into the room just made.
    private static func admitProducer(_ s: inout State) {
        guard !s.producers.isEmpty else { return }
        let producer = s.producers.removeFirst()
        s.buffer.append(producer.element)
        producer.continuation.resume()
    }

    /// Ends the queue. Elements already buffered are still delivered.
    func finish() {
        let (consumers, producers) = state.withLock { s in
            s.finished = true
            defer { s.consumers = []; s.producers = [] }
            return (s.consumers.map(\.continuation), s.producers.map(\.continuation))
        }
        for consumer in consumers { consumer.resume(returning: nil) }
        for producer in producers { producer.resume() }
    }
}

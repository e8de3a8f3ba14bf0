import NIOConcurrencyHelpers
import Syndicate

/// The items a ``SyndicateClient`` subscription receives, as an asynchronous sequence.
///
/// The subscription is live from the moment the client returns it (the broker has its
/// observer) until it is cancelled: by ``cancel()``, by cancelling the task that iterates it,
/// by the last reference to it going away, or by ``SyndicateClient/close()``. Iterating ends
/// with `nil` after a cancel or close, and throws ``SyndicateClientError/connectionLost(address:)``
/// when the connection fails.
///
/// Items wait here until the iterating task takes them. While they do, the connection's reading
/// is charged for them, so a consumer that falls behind slows the broker's sending to this
/// client (and the broker slows the producers) instead of growing this buffer without bound.
/// Iterate once: the sequence is single-pass.
public final class DataspaceSubscription<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = SyndicateClientError

    let buffer: SubscriptionBuffer<Element>
    private let onCancel: @Sendable () -> Void
    private let cancelled = NIOLockedValueBox(false)

    init(buffer: SubscriptionBuffer<Element>, onCancel: @escaping @Sendable () -> Void) {
        self.buffer = buffer
        self.onCancel = onCancel
    }

    deinit { cancel() }

    /// Ends the subscription: its observer is retracted and iteration ends.
    public func cancel() {
        let first = cancelled.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        buffer.finish(throwing: nil)
        onCancel()
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: DataspaceSubscription<Element>

        public mutating func next() async throws(SyndicateClientError) -> Element? {
            let subscription = self.subscription
            let result = await withTaskCancellationHandler {
                await subscription.buffer.next()
            } onCancel: {
                subscription.cancel()
            }
            return try result.get()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}

/// Items on their way from the client's actor to the task iterating a subscription. An item
/// delivered in a turn that carries a loan (work read from the broker) charges its connection's
/// account until it is taken, which is what makes a slow consumer slow the connection down.
final class SubscriptionBuffer<Element: Sendable>: Sendable {
    private struct Item {
        var element: Element
        var account: Account?
        var cost: Int
    }

    private struct State {
        var items: [Item] = []
        var head = 0
        var waiter: CheckedContinuation<Result<Element?, SyndicateClientError>, Never>?
        /// Set once no more items will come: `nil` inside for a normal end.
        var end: SyndicateClientError?? = nil
        /// The last turn that was charged, so one turn's items are charged once.
        var lastChargedTurn: ObjectIdentifier?
    }

    private let state = NIOLockedValueBox(State())

    /// Items cost this much each (bytes) on top of the turn's loan.
    static var itemCost: Int { 64 }

    /// Adds an item delivered in `turn` (called on the client's actor).
    func push(_ element: Element, in turn: Turn) {
        let charge: (Account, Int)? = state.withLockedValue { state in
            guard let loan = turn.loan else { return nil }
            let turnID = ObjectIdentifier(turn)
            let cost = state.lastChargedTurn == turnID ? Self.itemCost : Self.itemCost + loan.cost
            state.lastChargedTurn = turnID
            return (loan.account, cost)
        }
        if let (account, cost) = charge { account.borrow(cost) }
        let (waiter, refund) = state.withLockedValue { state -> (CheckedContinuation<Result<Element?, SyndicateClientError>, Never>?, (Account, Int)?) in
            if state.end != nil { return (nil, charge) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, charge)
            }
            state.items.append(Item(element: element, account: charge?.0, cost: charge?.1 ?? 0))
            return (nil, nil)
        }
        if let (account, cost) = refund { account.repay(cost) }
        waiter?.resume(returning: .success(element))
    }

    /// Ends the sequence, normally (`nil`) or with an error. A normal end (cancel or close)
    /// drops the items not yet taken; after an error they are still delivered, then the error.
    func finish(throwing error: SyndicateClientError?) {
        let (waiter, dropped) = state.withLockedValue { state -> (CheckedContinuation<Result<Element?, SyndicateClientError>, Never>?, [Item]) in
            guard state.end == nil else { return (nil, []) }
            state.end = .some(error)
            var dropped: [Item] = []
            if error == nil {
                dropped = Array(state.items[state.head...])
                state.items = []
                state.head = 0
            }
            guard state.head == state.items.count else { return (nil, dropped) }
            defer { state.waiter = nil }
            return (state.waiter, dropped)
        }
        for item in dropped { item.account?.repay(item.cost) }
        waiter?.resume(returning: error.map { .failure($0) } ?? .success(nil))
    }

    /// The next item, or the end. What is already here is returned without suspending.
    func next() async -> Result<Element?, SyndicateClientError> {
        if let ready = take() { return ready }
        return await withCheckedContinuation { continuation in
            if let ready = take(orWait: continuation) { continuation.resume(returning: ready) }
        }
    }

    /// Takes the next item or the end, if there is one; otherwise leaves `waiter` (if any) to
    /// be resumed by the next ``push(_:in:)`` or ``finish(throwing:)``.
    private func take(orWait waiter: CheckedContinuation<Result<Element?, SyndicateClientError>, Never>? = nil) -> Result<Element?, SyndicateClientError>? {
        let ready = state.withLockedValue { state -> (Result<Element?, SyndicateClientError>, (Account, Int)?)? in
            if state.head < state.items.count {
                let item = state.items[state.head]
                state.head += 1
                if state.head == state.items.count {
                    state.items.removeAll(keepingCapacity: state.items.count <= 1024)
                    state.head = 0
                } else if state.head > 1024 && state.head * 2 > state.items.count {
                    state.items.removeFirst(state.head)
                    state.head = 0
                }
                return (.success(item.element), item.account.map { ($0, item.cost) })
            }
            if let end = state.end {
                return (end.map { .failure($0) } ?? .success(nil), nil)
            }
            if let waiter { state.waiter = waiter }
            return nil
        }
        guard let (result, repayment) = ready else { return nil }
        if let (account, cost) = repayment { account.repay(cost) }
        return result
    }
}

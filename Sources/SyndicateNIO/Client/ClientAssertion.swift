import NIOConcurrencyHelpers
import Syndicate

/// An assertion a ``SyndicateClient`` made, until it is retracted: by ``retract()``, or when the
/// client closes or its connection is lost. Dropping this object does not retract it.
///
/// To tie an assertion to a task instead, use ``SyndicateClient/withAssertion(_:_:)-(AnyValue,_)``
/// or ``SyndicateClient/hold(_:)-(AnyValue)``, which retract when the task is cancelled.
public final class ClientAssertion: Sendable {
    private let client: SyndicateClient
    /// The runtime's handle, known once the asserting turn has run (turns of the client's
    /// actor run in order, so the retracting turn always finds it).
    let handle = NIOLockedValueBox<Handle?>(nil)
    private let retracted = NIOLockedValueBox(false)

    init(client: SyndicateClient) {
        self.client = client
    }

    /// Withdraws the assertion. Idempotent.
    public func retract() {
        let first = retracted.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let handle = self.handle
        client.actor.run { turn in
            if let h = handle.withLockedValue({ $0 }) { turn.retract(h) }
        }
    }
}

/// A change to the set of assertions a subscription matches
/// (see ``SyndicateClient/assertions(matching:)-(P)``).
public enum AssertionEvent<Value: Sendable>: Sendable {
    /// An assertion matching the pattern appeared.
    case added(Value)
    /// An assertion that had appeared was retracted.
    case removed(Value)

    /// The assertion's value, whichever way it changed.
    public var value: Value {
        switch self {
        case .added(let v), .removed(let v): v
        }
    }
}

extension AssertionEvent: Equatable where Value: Equatable {}
extension AssertionEvent: Hashable where Value: Hashable {}

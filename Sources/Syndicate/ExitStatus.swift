import Preserves
/// How an actor ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// Its root facet stopped.
    case normal
    /// A turn failed: the error's description.
    case error(String)

    public var description: String {
        switch self {
        case .normal: "normal"
        case .error(let e): "error: \(e)"
        }
    }
}

/// Raised by ``Turn/fail(_:)`` to end the current turn, and with it the actor, with an error.
public struct TurnFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

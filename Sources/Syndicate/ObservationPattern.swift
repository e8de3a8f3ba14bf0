import Logging
import Preserves
import SyndicateProtocols

/// A dataspace pattern together with the decoding of its captures into a typed value: what a
/// typed observer (``Turn/during(_:_:_:)-(_,P,_)``, ``Turn/onMessage(_:_:_:)-(_,P,_)``, the async
/// client's subscriptions) needs.
///
/// The schema compiler generates patterns of this kind for every schema definition. For any
/// schema type, ``TypedPattern`` `(of:shape:)` observes whole values.
///
/// **A value that matches the pattern but does not decode** (the dataspace's patterns are looser
/// than schemas: a record pattern with two fields also matches records with three) is skipped:
/// the handler never sees it, neither its assertion nor its retraction, and it is logged at
/// debug level under the label `syndicate.typed`. syndicate-rs does the same.
public protocol ObservationPattern<Output>: Sendable {
    /// What the captures decode to.
    associatedtype Output

    /// The pattern asserted in the `Observe`.
    var pattern: Pattern { get }

    /// Turns the captures of one match into the typed value; throws if they do not parse.
    func decode(_ captures: [AnyValue]) throws -> Output
}

extension DataspacePatterns.Pattern: ObservationPattern where Embedded == Ref {
    /// An untyped pattern is its own observation: its captures, in order.
    public var pattern: Pattern { self }

    public func decode(_ captures: [AnyValue]) -> [AnyValue] { captures }
}

/// Generated patterns (`Says.pattern(who: .literal("alice"))`) are observations of their type.
extension DataspacePatterns.TypedPattern: ObservationPattern where Embedded == Ref {}

/// A generated pattern, or one made for any schema type with `TypedPattern(of: T.self)` (whole
/// values of `T`, narrowed by a `shape` if given): a dataspace pattern that captures the whole
/// value and decodes it as `Output`.
///
/// ```swift
/// let anyRejection = TypedPattern(of: Gatekeeper.Rejected<Ref>.self)
/// ```
public typealias TypedPattern<Output> = DataspacePatterns.TypedPattern<Ref, Output>

/// Where typed observers report values they skip (see ``ObservationPattern``).
enum TypedObservation {
    static let logger = Logger(label: "syndicate.typed")

    /// Decodes `captures`, or logs why not and returns nil.
    static func decode<P: ObservationPattern>(_ observation: P, _ captures: [AnyValue]) -> P.Output? {
        do {
            return try observation.decode(captures)
        } catch {
            logger.debug("skipped a matched value that does not decode", metadata: [
                "type": "\(P.Output.self)", "captures": "\(captures)", "error": "\(error)",
            ])
            return nil
        }
    }
}

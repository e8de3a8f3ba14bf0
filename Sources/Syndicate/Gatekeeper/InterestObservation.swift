import Preserves
import SyndicateProtocols

/// One observer's interest in records of some label, as a service answering demand sees it:
/// the group pattern's entries of an `<Observe <group <rec LABEL> {…}> #:observer>`.
public struct RecordInterest: Sendable {
    /// The patterns the observer gave for the record's fields, by position.
    public let fields: [AnyValue: Pattern]
    /// The observer.
    public let observer: Ref

    /// The constant value the observer asks for at field `index`, if it gave one.
    public func literal(at index: Int) -> AnyValue? {
        fields[.integer(SignedInteger(index))]?.literalValue
    }
}

extension Turn {
    /// While someone observes records labelled `label` in `dataspace`, runs `handler` in a facet
    /// of its own with that observer's interest (an `Observe` whose pattern is a group of that
    /// record label, bound as a whole or not); the observer's retraction stops the facet.
    /// Services that answer on demand (`<resolve-path …>`, `<connect-transport …>`) start here.
    @discardableResult
    public func duringInterest(in dataspace: Ref, label: Symbol, _ handler: @escaping (Turn, RecordInterest) throws -> Void) -> [Handle] {
        let group = DataspacePatterns.Pattern<Ref>.groupPattern(
            type: .literal(DataspacePatterns.GroupType<Ref>.rec(label: .symbol(label))))
        let observations = [
            Dataspace.Observe<Ref>.pattern(pattern: .pattern(group)),
            Dataspace.Observe<Ref>.pattern(pattern: .pattern(DataspacePatterns.Pattern<Ref>.bindPattern(pattern: .pattern(group)))),
        ]
        return observations.map { observation in
            during(dataspace, observation) { turn, observe in
                guard case .group(_, let entries) = observe.pattern.unbound else { return }
                try handler(turn, RecordInterest(fields: entries, observer: observe.observer))
            }
        }
    }
}

/// Shares one piece of work among everyone who wants the same thing: the first ``want(_:_:start:)``
/// of a key starts it in a facet under `home`, the last ``release(_:_:)`` stops it. Confined to
/// the actor of `home`.
public final class SharedDemand<Key: Hashable> {
    private let home: FacetID
    private var entries: [Key: (count: Int, facet: FacetID)] = [:]

    /// Work started by this table runs in facets under `home`.
    public init(home: FacetID) {
        self.home = home
    }

    /// Counts one more interest in `key`, starting `start` in a new facet if it is the first.
    public func want(_ turn: Turn, _ key: Key, start: @escaping (Turn) throws -> Void) rethrows {
        if let entry = entries[key] {
            entries[key] = (entry.count + 1, entry.facet)
            return
        }
        let facet = try turn.inFacet(home) { turn in
            try turn.facet { turn in
                _ = turn.preventInertCheck()
                try start(turn)
            }
        }
        if let facet { entries[key] = (1, facet) }
    }

    /// Counts one interest in `key` less, stopping its work when none is left.
    public func release(_ turn: Turn, _ key: Key) {
        guard let entry = entries[key] else { return }
        if entry.count > 1 {
            entries[key] = (entry.count - 1, entry.facet)
        } else {
            entries[key] = nil
            turn.stop(entry.facet)
        }
    }

    /// ``want(_:_:start:)`` now and ``release(_:_:)`` when the current facet stops.
    public func hold(_ turn: Turn, _ key: Key, start: @escaping (Turn) throws -> Void) rethrows {
        try want(turn, key, start: start)
        turn.onStop { [self] turn in release(turn, key) }
    }
}

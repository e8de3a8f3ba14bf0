import Preserves
import SyndicateProtocols

extension DataspacePatterns.Pattern {
    /// The one value this pattern matches when it is a literal written as a pattern (atoms as
    /// `<lit …>`, records, sequences and dictionaries as groups of literals, as
    /// `Pattern.literal(_:)` lifts them); nil when it binds, discards, or
    /// leaves a position open (a record or sequence group whose keys are not exactly
    /// `0..<n`).
    ///
    /// Services that answer interest (`<Observe <resolve-path ROUTE _ _ _> _>`) read the
    /// constant parts of observers' patterns with this.
    public var literalValue: Value<Embedded>? {
        switch self {
        case .lit(let atom):
            return atom.preserves
        case .group(let type, let entries):
            switch type {
            case .rec(let label):
                guard let fields = Self.positional(entries) else { return nil }
                return .record(Record(label: label, fields: fields))
            case .arr:
                return Self.positional(entries).map { .sequence($0) }
            case .dict:
                var out: [Value<Embedded>: Value<Embedded>] = [:]
                for (key, pattern) in entries {
                    guard let value = pattern.literalValue else { return nil }
                    out[key] = value
                }
                return .dictionary(out)
            }
        case .bind, .discard:
            return nil
        }
    }

    /// The literal values at keys `0..<entries.count`, in order.
    private static func positional(_ entries: [Value<Embedded>: Self]) -> [Value<Embedded>]? {
        var out: [Value<Embedded>] = []
        out.reserveCapacity(entries.count)
        for index in 0..<entries.count {
            guard let pattern = entries[.integer(SignedInteger(index))], let value = pattern.literalValue else { return nil }
            out.append(value)
        }
        return out
    }

    /// This pattern without the captures wrapped around it (`<bind <bind P>>` is `P`).
    public var unbound: Self {
        if case .bind(let inner) = self { return inner.unbound }
        return self
    }
}

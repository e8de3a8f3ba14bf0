import Preserves
import SyndicateProtocols

/// Applies a reference's caveats to what is asserted or sent through it.
enum Attenuation {
    /// `value` rewritten by `caveats` (newest first), or `nil` if a caveat rejects it.
    @inline(__always)
    static func apply(_ caveats: [Sturdy.Caveat<Ref>], to value: AnyValue) -> AnyValue? {
        if caveats.isEmpty { return value }
        var current = value
        for caveat in caveats.reversed() {
            guard let next = CaveatEvaluator.apply(caveat, to: current) else { return nil }
            current = next
        }
        return current
    }
}

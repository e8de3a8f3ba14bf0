import Preserves
import Syndicate

/// `consumer`: observes `<Says _ _>` and reports, every second, how many messages arrived.
public enum ConsumerProgram {
    public static func run(_ turn: Turn, ds: Ref, report: @escaping (Int) -> Void) {
        var count = 0
        turn.onMessage(ds, Examples.Says<Ref>.pattern()) { _, _ in count += 1 }
        turn.every(.seconds(1)) { _ in
            report(count)
            count = 0
        }
    }
}

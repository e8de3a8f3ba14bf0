import Preserves
import Syndicate

/// `producer`: sends `<Says "producer" #[padding]>` messages to the dataspace as fast as the
/// broker takes them, `messagesPerTurn` in each turn.
///
/// Flow control: each turn ends with a `sync` through the broker; at most `window` turns are
/// unconfirmed at once, so the producer runs at the broker's pace instead of queueing without
/// bound.
public enum ProducerProgram {
    public static func run(_ turn: Turn, ds: Ref, messagesPerTurn: Int, padding: Int, window: Int = 16) {
        let message = Examples.Says<Ref>(who: "producer", what: .byteString([UInt8](repeating: 0, count: padding))).preserves
        func batch(_ turn: Turn) {
            for _ in 0..<messagesPerTurn { turn.message(ds, message) }
            turn.sync(ds) { turn in batch(turn) }
        }
        for _ in 0..<max(1, window) { batch(turn) }
    }
}

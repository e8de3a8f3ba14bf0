import Preserves
@testable import Syndicate
import Testing

/// The dataspace's leaf table agrees with a `Dictionary` under Preserves equality, through
/// growth, backward-shift removal and shrinking.
@Suite struct LeafTableTests {
    /// Keys of every kind the hash treats specially, and some it hands to `Hasher`.
    static func key(_ i: Int) -> AnyValue {
        switch i % 7 {
        case 0: .string("nobody-\(i)")
        case 1: .symbol(Symbol("label-\(i)-with-a-longer-name"))
        case 2: .integer(SignedInteger(i))
        case 3: .byteString(Array(repeating: UInt8(truncatingIfNeeded: i), count: i % 19))
        case 4: .record("Says", .string("\(i)"))
        case 5: .sequence([.integer(SignedInteger(i)), .boolean(true)])
        default: .double(Double(i))
        }
    }

    @Test func agreesWithDictionaryThroughInsertsAndRemovals() {
        var table = LeafTable<Int>()
        var model: [AnyValue: Int] = [:]
        let n = 3_000
        for i in 0..<n {
            table[Self.key(i)] = i
            model[Self.key(i)] = i
        }
        #expect(table.count == model.count)
        // Remove two thirds, in an order unrelated to insertion, then check every key.
        for i in stride(from: 0, to: n, by: 1) where (i * 7919) % 3 != 0 {
            table[Self.key(i)] = nil
            model[Self.key(i)] = nil
        }
        #expect(table.count == model.count)
        for i in 0..<n { #expect(table[Self.key(i)] == model[Self.key(i)]) }
        for i in 0..<n {
            table[Self.key(i)] = nil
        }
        #expect(table.isEmpty)
        #expect(table[Self.key(1)] == nil)
    }

    @Test func equalValuesFindTheSameEntry() {
        var table = LeafTable<Int>()
        table[.string("producer")] = 1
        table[.integer(42)] = 2
        // A string built at run time (other storage), and annotated values: the same keys.
        let built = String(["pro", "ducer"].joined())
        #expect(table[.string(built)] == 1)
        #expect(table[.annotated(Annotated(annotations: [.string("note")], value: .integer(42)))] == 2)
        #expect(table[.symbol(Symbol("producer"))] == nil)
        table[.string(built)] = 3
        #expect(table.count == 2)
        #expect(table[.string("producer")] == 3)
    }
}

import Foundation
import Preserves
import Syndicate

/// The record shapes of upstream's example programs.
public enum ExampleRecords {
    /// `<Says who what>`
    public static func says(_ who: String, _ what: AnyValue) -> AnyValue {
        .record(Record(label: .symbol("Says"), fields: [.string(who), what]))
    }

    /// `<Present pid>`
    public static func present(_ pid: Int) -> AnyValue {
        .record(Record(label: .symbol("Present"), fields: [.integer(SignedInteger(pid))]))
    }

    /// `<Ping ns pad>` / `<Pong ns pad>`
    public static func ping(_ label: String, _ nanoseconds: UInt64, _ padding: [UInt8]) -> AnyValue {
        .record(Record(label: .symbol(Symbol(label)), fields: [.integer(SignedInteger(nanoseconds)), .byteString(padding)]))
    }
}

/// Nanoseconds since the Unix epoch, as `<Ping>` carries.
public func wallClockNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

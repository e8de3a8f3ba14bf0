import Foundation
import Preserves
import Syndicate

/// A `<Ping now padding>` sent at the current wall-clock time.
func freshPing(padding: [UInt8]) -> Examples.Ping {
    Examples.Ping(sentAt: SignedInteger(wallClockNanoseconds()), padding: padding)
}

/// Nanoseconds since the Unix epoch, as `<Ping>` carries.
public func wallClockNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

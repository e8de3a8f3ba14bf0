import NIOConcurrencyHelpers

// The package's shared state behind a lock is a `NIOLockedValueBox` (a pthread mutex) rather
// than `Synchronization.Mutex`: ThreadSanitizer sees pthread locking, but not the futex
// operations inside the standard library's `Mutex`, so it reported every access guarded by one
// as a data race and hid real ones among them.
extension NIOLockedValueBox {
    /// `withLockedValue` with the closure's typed error kept (NIO's is `rethrows`, which
    /// widens it to `any Error`).
    @inlinable
    package func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outcome: Swift.Result<Result, Failure> = withLockedValue { value in
            Swift.Result { () throws(Failure) -> Result in try body(&value) }
        }
        return try outcome.get()
    }
}

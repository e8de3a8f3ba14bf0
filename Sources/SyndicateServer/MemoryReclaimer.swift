import Foundation
import Logging

/// Gives memory freed by the broker back to the operating system.
///
/// glibc's allocator keeps freed memory in its arenas (one per thread that allocated, up to
/// eight per core) and returns only what sits at the top of each heap; after a flood, or after
/// a million assertions are retracted, the process would stay at its peak size. Every
/// `interval` this asks the allocator to release free pages in all arenas (`malloc_trim`),
/// which costs little when there is nothing to release. Elsewhere (other C libraries,
/// macOS) it does nothing, and so it does where mimalloc has replaced glibc's malloc (as in
/// `syndicate-server` on Linux): mimalloc returns freed pages to the system by itself.
public enum MemoryReclaimer {
    private typealias MallocTrim = @convention(c) (Int) -> Int32

    /// Whether this platform's allocator can be asked to release memory.
    public static var isAvailable: Bool { mallocTrim != nil }

    private static let mallocTrim: MallocTrim? = {
        #if os(Linux)
        let process = UnsafeMutableRawPointer(bitPattern: 0)
        // glibc's malloc_trim is still there under mimalloc, but would trim arenas nothing uses.
        if dlsym(process, "mi_version") != nil { return nil }
        guard let symbol = dlsym(process, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)
        #else
        return nil
        #endif
    }()

    /// Releases free memory now; returns whether any was released.
    @discardableResult
    public static func reclaim() -> Bool {
        guard let trim = mallocTrim else { return false }
        return trim(0) != 0
    }

    /// Reclaims every `interval` until the task is cancelled.
    public static func run(every interval: Duration = .seconds(5)) async {
        guard isAvailable else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            reclaim()
        }
    }
}

import Foundation
import Preserves
import Synchronization
import Syndicate
import SyndicateProtocols

/// Writes trace entries (trace.prs) to a file as Preserves text, one per line
/// (`syndicate-server -t PATH`), on a queue of its own. At most 65,536 entries wait to be
/// written; beyond that entries are dropped and counted, so a slow disk cannot grow the broker.
public final class TraceFileWriter: TraceSink {
    private static let maxPending = 65_536
    private let handle: FileHandle
    private let queue = DispatchQueue(label: "syndicate.trace")
    private let pending = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// Entries dropped because too many waited to be written.
    public var droppedEntries: Int { dropped.load(ordering: .relaxed) }

    public func record(_ entry: Trace.TraceEntry<IOEmbedded>) {
        guard pending.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maxPending else {
            pending.wrappingSubtract(1, ordering: .relaxed)
            dropped.wrappingAdd(1, ordering: .relaxed)
            return
        }
        queue.async { [self] in
            handle.write(Data("\(entry.preserves)\n".utf8))
            pending.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    /// Waits until everything recorded so far is written.
    public func flush() {
        queue.sync { try? handle.synchronize() }
    }
}

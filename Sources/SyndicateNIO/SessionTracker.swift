import Foundation
import NIOCore
import Syndicate

/// The open connections of a listener and the sessions they carry, so a shutdown can tell
/// every peer why it is being disconnected and wait for the goodbyes to be written.
final class SessionTracker: @unchecked Sendable {
    private struct Entry {
        let channel: any Channel
        var session: RelaySession?
    }

    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var shuttingDown = false

    /// Tracks `channel` until it closes; `false` if a shutdown has begun (the caller closes it).
    func add(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let added = lock.withLock { () -> Bool in
            guard !shuttingDown else { return false }
            entries[id] = Entry(channel: channel, session: nil)
            return true
        }
        if added {
            channel.closeFuture.whenComplete { _ in
                self.lock.withLock { _ = self.entries.removeValue(forKey: id) }
            }
        }
        return added
    }

    /// Records the session a tracked channel carries, once it has started.
    func attach(_ session: RelaySession, to channel: any Channel) {
        let late = lock.withLock { () -> Bool in
            entries[ObjectIdentifier(channel)]?.session = session
            return shuttingDown
        }
        if late { session.fail(RelayError(.shutdown, "server shutting down")) }
    }

    var count: Int { lock.withLock { entries.count } }

    /// The started sessions' names and their accounts' current debt.
    var debts: [(session: String, debt: Int)] {
        lock.withLock { entries.values.compactMap { $0.session } }
            .map { ($0.actor.name, $0.account.currentDebt) }
    }

    /// Ends every session with `<error "server shutting down">` (connections that have not
    /// started one are closed), then waits until all are closed or `gracePeriod` is over, when
    /// the rest are closed regardless.
    func shutdown(gracePeriod: Duration) async {
        let current = lock.withLock { () -> [Entry] in
            shuttingDown = true
            return Array(entries.values)
        }
        for entry in current {
            if let session = entry.session {
                session.fail(RelayError(.shutdown, "server shutting down"))
            } else {
                entry.channel.close(promise: nil)
            }
        }
        let deadline = ContinuousClock.now + gracePeriod
        while count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for entry in lock.withLock({ Array(entries.values) }) { entry.channel.close(promise: nil) }
    }
}

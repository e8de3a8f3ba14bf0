import Foundation
import SyndicateNIO

/// The relay listeners a broker has up, so shutting the broker down can reach them all.
final class ListenerSet: @unchecked Sendable {
    // NSLock (pthread) rather than Synchronization.Mutex, so ThreadSanitizer can check it.
    private let lock = NSLock()
    private var listeners: [ObjectIdentifier: RelayListener] = [:]

    func add(_ listener: RelayListener) { lock.withLock { listeners[ObjectIdentifier(listener)] = listener } }
    func remove(_ listener: RelayListener) { lock.withLock { _ = listeners.removeValue(forKey: ObjectIdentifier(listener)) } }
    var all: [RelayListener] { lock.withLock { Array(listeners.values) } }
}

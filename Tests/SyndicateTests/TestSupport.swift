import Preserves
import Foundation
import Syndicate
import Testing

/// A thread-safe log of what entities saw, for assertions in tests.
///
/// Waits time out after a minute: timers and actors run on Swift's cooperative threads, which
/// the CPU-heavy synchronous tests running beside them can hold for many seconds on a loaded
/// machine. A wait returns as soon as its condition holds.
final class Recorder: @unchecked Sendable {
    // NSLock (pthread) rather than Synchronization.Mutex (raw futex), so ThreadSanitizer can
    // see the synchronisation.
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ item: String) { lock.withLock { items.append(item) } }
    var snapshot: [String] { lock.withLock { items } }

    /// Waits (up to `timeout`) until `condition` holds of the log; returns whether it did.
    @discardableResult
    func wait(timeout: Duration = .seconds(60), until condition: ([String]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(snapshot) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(snapshot)
    }

    func wait(forCount n: Int, timeout: Duration = .seconds(60)) async -> Bool {
        await wait(timeout: timeout) { $0.count >= n }
    }
}

/// Records everything it receives as "assert NAME VALUE", "retract NAME", "message NAME VALUE".
final class RecordingEntity: Entity {
    let name: String
    let recorder: Recorder
    var values: [Handle: AnyValue] = [:]

    init(_ name: String, _ recorder: Recorder) {
        self.name = name
        self.recorder = recorder
    }

    func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws {
        // Swift's own `assert` must stay callable unqualified inside an entity (the callbacks
        // are named on…, so they do not shadow it).
        assert(values[handle] == nil, "a handle is asserted once")
        values[handle] = value
        recorder.add("assert \(name) \(value)")
    }

    func onRetract(_ turn: Turn, _ handle: Handle) throws {
        recorder.add("retract \(name) \(values.removeValue(forKey: handle).map { "\($0)" } ?? "?")")
    }

    func onMessage(_ turn: Turn, _ value: AnyValue) throws {
        recorder.add("message \(name) \(value)")
    }
}

/// A place to hand a value from an actor's boot turn to the test.
final class Box<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.withLock { value = v } }

    func get(timeout: Duration = .seconds(60)) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let v = lock.withLock({ value }) { return v }
            try await Task.sleep(for: .milliseconds(2))
        }
        // Look once more: on a loaded machine the wait itself may have been what was late.
        if let v = lock.withLock({ value }) { return v }
        throw TestTimeout()
    }
}

struct TestTimeout: Error {}

/// Boots an actor holding one entity and returns a reference to it.
func entityActor(_ name: String, _ make: @escaping @Sendable () -> any Entity) async throws -> (SyndicateActor, Ref) {
    let box = Box<Ref>()
    let actor = SyndicateActor.boot(name: name) { turn in
        box.set(turn.ref(make()))
    }
    return (actor, try await box.get())
}

/// Boots an actor holding a dataspace and returns it.
func dataspaceActor() async throws -> (SyndicateActor, Ref) {
    let box = Box<Ref>()
    let actor = SyndicateActor.boot(name: "dataspace") { turn in box.set(turn.createDataspace()) }
    return (actor, try await box.get())
}

/// A weak reference readable from any task, to check that the runtime let go of an object.
final class WeakReference: @unchecked Sendable {
    private let lock = NSLock()
    private weak var object: AnyObject?
    func set(_ o: AnyObject) { lock.withLock { object = o } }
    var isGone: Bool { lock.withLock { object == nil } }

    /// Waits (up to `timeout`) until the object has been freed; returns whether it was.
    func waitUntilGone(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isGone { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return isGone
    }
}

/// An error a test throws from a turn to end its actor with an error.
struct EndingError: Error {}

import Foundation
import Preserves
import Syndicate
import SyndicateServer
import Testing

/// One thing an observer saw: an assertion appearing (`+`), going (`-`), or a message (`!`),
/// at the dataspace called `place`.
struct Sighting: Sendable, CustomStringConvertible {
    var place: String
    var kind: Character
    var value: AnyValue

    var description: String { "\(place) \(kind)\(value)" }
}

/// A thread-safe log of sightings, with bounded polling waits.
final class SightingLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Sighting] = []

    func add(_ sighting: Sighting) { lock.withLock { items.append(sighting) } }
    var snapshot: [Sighting] { lock.withLock { items } }
    var lines: [String] { snapshot.map(\.description) }

    /// Waits (up to `timeout`) until `condition` holds of the log; returns whether it did.
    @discardableResult
    func wait(timeout: Duration = .seconds(60), until condition: ([Sighting]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(snapshot) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(snapshot)
    }

    /// Waits until the line `line` (as printed by ``Sighting``) has been logged.
    @discardableResult
    func wait(for line: String, timeout: Duration = .seconds(60)) async -> Bool {
        await wait(timeout: timeout) { $0.contains { $0.description == line } }
    }

    /// The first value asserted at `place` that is a record labelled `label`.
    func firstRecord(_ label: String, at place: String = "config") -> Record<Ref>? {
        for s in snapshot where s.place == place && s.kind == "+" {
            if case .record(let r) = s.value.unannotated, r.label == .symbol(Symbol(label)) { return r }
        }
        return nil
    }

    /// Waits for a record labelled `label` to be asserted at `place`, and returns it.
    func record(_ label: String, at place: String = "config") async throws -> Record<Ref> {
        await wait { _ in firstRecord(label, at: place) != nil }
        guard let r = firstRecord(label, at: place) else { throw ScriptTestTimeout(waitingFor: "<\(label) …> at \(place)") }
        return r
    }
}

struct ScriptTestTimeout: Error, CustomStringConvertible {
    var waitingFor: String
    var description: String { "timed out waiting for \(waitingFor)" }
}

/// A value handed from an actor's turn to the test.
final class ScriptBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.withLock { value = v } }
    var current: T? { lock.withLock { value } }

    func get(timeout: Duration = .seconds(60)) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let v = current { return v }
            try await Task.sleep(for: .milliseconds(2))
        }
        // Look once more: on a loaded machine the wait itself may have been what was late.
        if let v = current { return v }
        throw ScriptTestTimeout(waitingFor: "a value from an actor")
    }
}

/// A script running in an actor of its own, with dataspaces for its environment that are
/// watched: everything asserted to or sent at them is logged under the variable's name.
struct ScriptWorld: Sendable {
    let actor: SyndicateActor
    let log: SightingLog
    let refs: [String: Ref]
    /// The facet the script runs in.
    let facet: FacetID

    /// Parses `text`, then boots an actor with a watched dataspace per name in `places`
    /// (`config` always), and runs the script with them as its environment.
    /// Throws the parse error, or the error `run` threw.
    static func start(_ text: String, file: String = "test.pr", places: [String] = []) async throws -> ScriptWorld {
        let script = try ConfigScript.parse(text, file: file)
        let log = SightingLog()
        let result = ScriptBox<Result<([String: Ref], FacetID), ScriptRunFailure>>()
        let actor = SyndicateActor.boot(name: "script-host") { turn in
            var refs: [String: Ref] = [:]
            for place in ["config"] + places {
                let ds = turn.createDataspace()
                refs[place] = ds
                var seen: [Handle: AnyValue] = [:]
                turn.onAssertion(ds, Pattern.bind()) { _, captures, handle in
                    // Leave out observers' interest, which is only noise here.
                    if case .record(let r) = captures[0].unannotated, r.label == .symbol("Observe") { return }
                    seen[handle] = captures[0]
                    log.add(Sighting(place: place, kind: "+", value: captures[0]))
                } onRetract: { _, handle in
                    if let value = seen.removeValue(forKey: handle) {
                        log.add(Sighting(place: place, kind: "-", value: value))
                    }
                }
                turn.onMessage(ds, Pattern.bind()) { _, captures in
                    log.add(Sighting(place: place, kind: "!", value: captures[0]))
                }
            }
            let environment = refs.mapValues { AnyValue.embedded($0) }
            var failure: (any Error)?
            let facet = turn.facet { turn in
                _ = turn.preventInertCheck()
                do { try script.run(turn, environment: environment) } catch { failure = error }
            }
            if let failure {
                result.set(.failure(ScriptRunFailure(error: failure as? ConfigScriptError, text: "\(failure)")))
            } else {
                result.set(.success((refs, facet)))
            }
        }
        let (refs, facet) = try await result.get().get()
        return ScriptWorld(actor: actor, log: log, refs: refs, facet: facet)
    }

    /// Runs `action` in a fresh actor (a peer of the script), and returns that actor.
    @discardableResult
    static func peer(_ action: @escaping @Sendable (Turn) throws -> Void) -> SyndicateActor {
        SyndicateActor.boot(name: "peer", action)
    }

    /// Stops the script's facet.
    func stopScript() {
        let facet = facet
        actor.run { $0.stop(facet) }
    }
}

/// Why a script could not start.
struct ScriptRunFailure: Error, CustomStringConvertible {
    var error: ConfigScriptError?
    var text: String
    var description: String { text }
}

/// The embedded reference in a value, if it is one.
func capability(_ value: AnyValue) -> Ref? {
    if case .embedded(let ref) = value.unannotated { return ref }
    return nil
}

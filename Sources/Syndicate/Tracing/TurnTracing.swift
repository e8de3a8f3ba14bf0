import Foundation
import Preserves
import Synchronization
import SyndicateProtocols

/// Where trace entries (trace.prs) go while tracing is on.
public protocol TraceSink: Sendable {
    func record(_ entry: Trace.TraceEntry<IOEmbedded>)
}

/// Process-wide turn tracing in upstream's trace.prs format: each actor's start and stop, and
/// every turn with the events it dequeued (delivered to its entities) and enqueued (sent).
/// Turn causes are not tracked; turns say `<external "turn">`. Off by default, and then it costs
/// one relaxed atomic load per turn. References appear as `#:<entity ACTOR FACET OID>`.
public enum TurnTracing {
    private static let enabled = Atomic<Bool>(false)
    private static let sink = Mutex<(any TraceSink)?>(nil)
    private static let turnIDs = Atomic<Int>(0)

    /// Sends every trace entry to `sink` from now on.
    public static func start(_ sink: any TraceSink) {
        Self.sink.withLock { $0 = sink }
        enabled.store(true, ordering: .releasing)
    }

    /// Stops tracing.
    public static func stop() {
        enabled.store(false, ordering: .releasing)
        sink.withLock { $0 = nil }
    }

    @inline(__always) static var isOn: Bool { enabled.load(ordering: .relaxed) }

    static func record(_ actor: SyndicateActor, _ item: Trace.ActorActivation<IOEmbedded>) {
        guard let sink = sink.withLock({ $0 }) else { return }
        sink.record(Trace.TraceEntry(timestamp: Date().timeIntervalSince1970, actor: .integer(SignedInteger(actor.id)), item: item))
    }

    static func started(_ actor: SyndicateActor) {
        record(actor, .start(actorName: .named(name: .string(actor.name))))
    }

    static func stopped(_ actor: SyndicateActor, _ status: ExitStatus) {
        switch status {
        case .normal: record(actor, .stop(status: .ok))
        case .error(let reason): record(actor, .stop(status: .error(Protocol.Error(message: reason, detail: .boolean(false)))))
        }
    }

    static func turn(_ actor: SyndicateActor, _ actions: [Trace.ActionDescription<IOEmbedded>]) {
        let id = turnIDs.wrappingAdd(1, ordering: .relaxed).newValue
        record(actor, .turn(Trace.TurnDescription(id: .integer(SignedInteger(id)), cause: .external(description_: .string("turn")), actions: actions)))
    }

    /// `event` for `target`, as trace.prs describes it.
    static func describe(_ event: Event) -> Trace.TargetedTurnEvent<IOEmbedded>? {
        switch event {
        case .assert(let target, let value, let handle):
            return .init(target: self.target(target), detail: .assert(assertion: .value(value: plain(value)), handle: SignedInteger(handle.rawValue)))
        case .retract(let target, let handle):
            return .init(target: self.target(target), detail: .retract(handle: SignedInteger(handle.rawValue)))
        case .message(let target, let value):
            return .init(target: self.target(target), detail: .message(body: .value(value: plain(value))))
        case .sync(let target, let peer):
            return .init(target: self.target(target), detail: .sync(peer: self.target(peer.underlying)))
        case .action, .localAction:
            return nil
        }
    }

    static func target(_ underlying: Underlying) -> Trace.Target<IOEmbedded> {
        Trace.Target(actor: .integer(SignedInteger(underlying.actor.id)), facet: .integer(SignedInteger(underlying.facetID.rawValue)),
                     oid: .integer(SignedInteger(underlying.serial)))
    }

    /// A value with its references written as `<entity ACTOR FACET OID>`.
    static func plain(_ value: AnyValue) -> Value<IOEmbedded> {
        value.mapEmbedded { (ref: Ref) -> IOEmbedded in IOEmbedded(target(ref.underlying).preserves) }
    }
}

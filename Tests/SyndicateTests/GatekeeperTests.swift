import Preserves
import Syndicate
import SyndicateProtocols
import Testing

@Suite struct GatekeeperTests {
    /// A server actor with a gatekeeper, a bindings dataspace and a service dataspace bound to
    /// the well-known `syndicate` ref (empty key). Returns the gatekeeper and the service.
    static func server() async throws -> (gatekeeper: Ref, service: Ref) {
        let box = Box<[Ref]>()
        SyndicateActor.boot(name: "server") { turn in
            let bindings = turn.createDataspace()
            let service = turn.createDataspace()
            turn.bindSturdyRef(bindings, oid: "syndicate", key: [], target: service)
            box.set([turn.ref(GatekeeperEntity(bindings: bindings)), service])
        }
        let refs = try await box.get()
        return (refs[0], refs[1])
    }

    /// Asserts `<resolve sturdyRef #:observer>` and returns what the observer is told.
    static func resolve(_ gatekeeper: Ref, _ sturdyRef: AnyValue) async throws -> (AnyValue, SyndicateActor) {
        let answer = Box<AnyValue>()
        let client = SyndicateActor.boot(name: "client") { turn in
            let observer = turn.ref(AnswerEntity { answer.set($0) })
            turn.assert(gatekeeper, .record("resolve", sturdyRef, .embedded(observer)))
        }
        return (try await answer.get(), client)
    }

    final class AnswerEntity: Entity {
        let got: (AnyValue) -> Void
        init(_ got: @escaping (AnyValue) -> Void) { self.got = got }
        func onAssert(_ turn: Turn, _ value: AnyValue, _ handle: Handle) throws { got(value) }
    }

    @Test func theWellKnownRefResolvesToTheBoundDataspace() async throws {
        let (gatekeeper, service) = try await Self.server()
        let ref = try anyValue(SturdyRefTests.wellKnown)
        let (answer, _) = try await Self.resolve(gatekeeper, ref)
        guard case .accepted(let session) = try Gatekeeper.Resolved<Ref>(preserves: answer) else {
            Issue.record("expected <accepted …>, got \(answer)")
            return
        }
        #expect(session == service)
    }

    @Test func aForgedRefIsRejected() async throws {
        let (gatekeeper, _) = try await Self.server()
        let forged = try anyValue(#"<ref {oid: "syndicate" sig: #x"00000000000000000000000000000000"}>"#)
        let (answer, _) = try await Self.resolve(gatekeeper, forged)
        guard case .rejected = try Gatekeeper.Resolved<Ref>(preserves: answer) else {
            Issue.record("expected <rejected …>, got \(answer)")
            return
        }
    }

    @Test func unknownStepTypesAreRejected() async throws {
        let (gatekeeper, _) = try await Self.server()
        let (answer, _) = try await Self.resolve(gatekeeper, try anyValue("<carrier-pigeon {}>"))
        #expect(answer.record(label: "rejected") != nil)
    }

    /// An attenuated sturdy ref yields an attenuated session: what the client asserts through
    /// it is rewritten by the caveats, and a wrongly attenuated ref is refused.
    @Test func attenuatedRefsGiveAttenuatedSessions() async throws {
        let (gatekeeper, service) = try await Self.server()
        let caveat = try Sturdy.Caveat<IOEmbedded>(preserves: try IOValue(text: "<rewrite <rec Says [<bind <_>>]> <rec Said [<ref 0>]>>"))
        let base = try Sturdy.SturdyRef<IOEmbedded>(preserves: try IOValue(text: SturdyRefTests.wellKnown))
        let attenuated = try SturdyRefs.attenuate(base, with: [caveat])
        let ref = try anyValue(attenuated.preserves.description)
        let (answer, _) = try await Self.resolve(gatekeeper, ref)
        guard case .accepted(let session) = try Gatekeeper.Resolved<Ref>(preserves: answer) else {
            Issue.record("expected <accepted …>, got \(answer)")
            return
        }
        #expect(session != service && session.attenuation.count == 1)
        let recorder = Recorder()
        SyndicateActor.boot(name: "watcher") { turn in
            turn.during(service, Pattern.rec("Said", Pattern.bind())) { _, c in recorder.add("said \(c[0])") }
            turn.during(service, Pattern.rec("Says", Pattern.bind())) { _, c in recorder.add("says \(c[0])") }
        }
        SyndicateActor.boot(name: "user") { turn in
            turn.assert(session, .record("Says", "hi"))
            turn.assert(session, .record("Other", "dropped"))
        }
        #expect(await recorder.wait { $0.contains("said \"hi\"") })
        #expect(!recorder.snapshot.contains { $0.hasPrefix("says") })

        // Dropping the caveat while keeping the signature: rejected.
        var stripped = attenuated
        stripped.parameters.caveats = .absent
        let (answer2, _) = try await Self.resolve(gatekeeper, try anyValue(stripped.preserves.description))
        #expect(answer2.record(label: "rejected") != nil)
    }

    @Test func theAnswerIsWithdrawnWithTheRequest() async throws {
        let (gatekeeper, _) = try await Self.server()
        let recorder = Recorder()
        let ref = try anyValue(SturdyRefTests.wellKnown)
        let request = Box<Handle>()
        let client = SyndicateActor.boot(name: "client") { turn in
            let observer = turn.ref(RecordingEntity("o", recorder))
            request.set(turn.assert(gatekeeper, .record("resolve", ref, .embedded(observer))))
        }
        #expect(await recorder.wait { $0.contains { $0.hasPrefix("assert o <accepted") } })
        let h = try await request.get()
        client.run { $0.retract(h) }
        #expect(await recorder.wait { $0.contains { $0.hasPrefix("retract o <accepted") } })
    }
}

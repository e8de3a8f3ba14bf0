import Preserves
import Syndicate
import SyndicateProtocols
import Testing

/// The gatekeeper's `<noise …>` step end to end in-process: a client resolves a service
/// selector, runs the handshake with the responder the gatekeeper creates, and reaches the
/// bound dataspace through the relay session carried by the Noise transport.
@Suite struct NoiseGatekeeperTests {
    struct Server {
        var gatekeeper: Ref
        var world: Ref
        var key: NoiseKeyPair
        var seen: Recorder
    }

    /// A gatekeeper with `world` bound to `<noise {service: world key: … secretKey: …}>`, and a
    /// recorder of every `<Present who>` in `world`.
    static func server() async throws -> Server {
        let key = NoiseKeyPair.generate()
        let seen = Recorder()
        let box = Box<[Ref]>()
        SyndicateActor.boot(name: "noise-server") { turn in
            let bindings = turn.createDataspace()
            let world = turn.createDataspace()
            let spec = Noise.NoiseServiceSpec<Ref>(
                base: Noise.NoiseSpec(key: key.publicKey, service: .symbol("world"), protocol: .absent, preSharedKeys: .absent),
                secretKey: .present(secretKey: key.secretKey))
            let bind = Gatekeeper.Bind<Ref>(
                description_: Gatekeeper.Description(stepType: "noise", detail: spec.preserves), target: world, observer: .absent)
            turn.assert(bindings, bind.preserves)
            turn.during(world, P.rec("Present", P.bind())) { turn, captures in
                seen.add("+\(captures[0])")
                turn.onStop { _ in seen.add("-\(captures[0])") }
            }
            box.set([turn.ref(GatekeeperEntity(bindings: bindings)), world])
        }
        let refs = try await box.get()
        return Server(gatekeeper: refs[0], world: refs[1], key: key, seen: seen)
    }

    static func client(_ server: Server, key: [UInt8], name: String) -> SyndicateActor {
        SyndicateActor.boot(name: name) { turn in
            let me = turn.actor
            let spec = Noise.NoiseSpec<Ref>(key: key, service: .symbol("world"), protocol: .absent, preSharedKeys: .absent)
            try turn.resolve(server.gatekeeper, noise: spec) { remote in
                me.run { turn in turn.assert(remote, .record("Present", .string(name))) }
            }
        }
    }

    @Test func aClientReachesTheBoundDataspaceThroughTheNoiseStep() async throws {
        let server = try await Self.server()
        let client = Self.client(server, key: server.key.publicKey, name: "alice")
        #expect(await server.seen.wait { $0.contains(#"+"alice""#) }, "\(server.seen.snapshot)")
        // The client going away ends the session: what it asserted through it is retracted.
        client.run { $0.stopActor() }
        #expect(await server.seen.wait { $0.contains(#"-"alice""#) }, "\(server.seen.snapshot)")
    }

    @Test func aWrongKeyEndsOnlyThatSession() async throws {
        let server = try await Self.server()
        let mallory = Self.client(server, key: NoiseKeyPair.generate().publicKey, name: "mallory")
        let bob = Self.client(server, key: server.key.publicKey, name: "bob")
        #expect(await server.seen.wait { $0.contains(#"+"bob""#) }, "\(server.seen.snapshot)")
        #expect(!server.seen.snapshot.contains { $0.contains("mallory") })
        // Bob's session is unaffected by Mallory's failed handshake.
        bob.run { $0.stopActor() }
        #expect(await server.seen.wait { $0.contains(#"-"bob""#) })
        mallory.run { $0.stopActor() }
    }
}

extension NoiseGatekeeperTests {
    /// `<bind <noise {…}> #:target #:observer>`: the observer is told the public path step, or
    /// why the binding is invalid.
    @Test func bindObserversAreToldThePathStep() async throws {
        let key = NoiseKeyPair.generate()
        let answers = Recorder()
        SyndicateActor.boot(name: "binder") { turn in
            let bindings = turn.createDataspace()
            let target = turn.createDataspace()
            turn.answerNoiseBindObservers(bindings)
            for (name, secret) in [("good", key.secretKey), ("bad", NoiseKeyPair.generate().secretKey)] {
                let observer = turn.ref(GatekeeperTests.AnswerEntity { answers.add("\(name) \($0)") })
                let spec = Noise.NoiseServiceSpec<Ref>(
                    base: Noise.NoiseSpec(key: key.publicKey, service: .symbol(Symbol(name)), protocol: .absent, preSharedKeys: .absent),
                    secretKey: .present(secretKey: secret))
                let bind = Gatekeeper.Bind<Ref>(
                    description_: Gatekeeper.Description(stepType: "noise", detail: spec.preserves), target: target, observer: .present(observer))
                turn.assert(bindings, bind.preserves)
            }
        }
        #expect(await answers.wait(forCount: 2), "\(answers.snapshot)")
        let good = try #require(answers.snapshot.first { $0.hasPrefix("good ") })
        let step = try Gatekeeper.Bound<IOEmbedded>(preserves: try IOValue(text: String(good.dropFirst(5))))
        guard case .bound(let pathStep) = step else { Issue.record("expected <bound …>, got \(good)"); return }
        #expect(pathStep.stepType == "noise")
        let spec = try Noise.NoiseSpec<IOEmbedded>(preserves: pathStep.detail)
        #expect(spec.key == key.publicKey && spec.service == .symbol("good"))
        #expect(!good.contains("secretKey"), "the secret key stays on the server")
        #expect(answers.snapshot.contains { $0.hasPrefix("bad <rejected ") }, "\(answers.snapshot)")
    }
}

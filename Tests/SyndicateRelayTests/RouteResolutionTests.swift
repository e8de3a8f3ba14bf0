import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer
import TestSupport
import Testing

/// Route resolution (gatekeeper.prs's `<resolve-path …>`) against our broker on loopback: the
/// async client's `connect(route:)` and a broker's config script following routes through
/// sturdy-ref and Noise steps, their rejections, and links lost and made again.
@Suite("Route resolution", .serialized)
struct RouteResolutionTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// A broker on loopback whose config binds `$world` three ways: the sturdy ref
    /// `worldRef` at its gatekeeper, `<noise {service: world …}>` at its gatekeeper, and, as in
    /// syndicate-rs's gatekeeper-config.pr, `<noise {service: inner …}>` leading to a second
    /// gatekeeper that binds `innerRef`.
    struct RemoteBroker {
        static let worldKey: [UInt8] = [1]
        static let innerKey: [UInt8] = [2]
        let broker: SyndicateBroker
        let port: Int
        let noise: NoiseKeyPair
        let directory: URL

        static func start(port: Int = 0, noise: NoiseKeyPair = NoiseKeyPair.generate(), extraConfig: String = "") async throws -> RemoteBroker {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let keys = #"key: #x"\#(hex(noise.publicKey))" secretKey: #x"\#(hex(noise.secretKey))""#
            try """
                let ?world = dataspace
                <bind <ref {oid: "world" key: #x"\(hex(worldKey))"}> $world #f>
                <bind <noise {service: world \(keys)}> $world #f>
                let ?inner-bindings = dataspace
                <require-service <gatekeeper $inner-bindings>>
                ? <service-object <gatekeeper $inner-bindings> ?inner> [
                  <bind <noise {service: inner \(keys)}> $inner #f>
                ]
                $inner-bindings += <bind <ref {oid: "world" key: #x"\(hex(innerKey))"}> $world #f>
                \(extraConfig)
                """.write(to: directory.appendingPathComponent("remote.pr"), atomically: true, encoding: .utf8)
            var options = ServerOptions()
            options.tcpAddresses = [TCPListenAddress(host: "127.0.0.1", port: port)]
            options.socketPaths = [directory.appendingPathComponent("remote.sock").path]
            options.configPaths = [directory.path]
            let broker = await SyndicateBroker.start(options)
            let bound = try #require(try await broker.listeningPorts(count: 1).first)
            return RemoteBroker(broker: broker, port: bound, noise: noise, directory: directory)
        }

        func stop() async {
            await broker.shutdown(gracePeriod: .milliseconds(200))
            try? FileManager.default.removeItem(at: directory)
        }

        var tcp: String { #"<tcp "127.0.0.1" \#(port)>"# }
        var webSocket: String { #"<ws "ws://127.0.0.1:\#(port)/">"# }
        var unix: String { #"<unix "\#(directory.appendingPathComponent("remote.sock").path)">"# }
        /// The transport address of `kind` (`tcp`, `ws`, `unix`).
        func transport(_ kind: String) -> String {
            switch kind {
            case "ws": webSocket
            case "unix": unix
            default: tcp
            }
        }
        static func ref(key: [UInt8]) -> String {
            let ref: Sturdy.SturdyRef<Ref>? = try? SturdyRefs.mint(oid: .string("world"), key: key)
            return ref?.preserves.description ?? ""
        }
        var worldRef: String { Self.ref(key: Self.worldKey) }
        var innerRef: String { Self.ref(key: Self.innerKey) }
        func noiseStep(service: String, key: [UInt8]? = nil) -> String {
            #"<noise {service: \#(service) key: #x"\#(hex(key ?? noise.publicKey))"}>"#
        }

        /// The route to `$world` through its sturdy ref.
        func sturdyRoute(_ kind: String = "tcp") -> String { "<route [\(transport(kind))] \(worldRef)>" }
        /// The route to `$world` through the noise step.
        func noiseRoute(_ kind: String = "tcp") -> String { "<route [\(transport(kind))] \(noiseStep(service: "world"))>" }
        /// The route to `$world` through the noise step to the inner gatekeeper, then its ref.
        func noiseThenSturdyRoute(_ kind: String = "tcp") -> String { "<route [\(transport(kind))] \(noiseStep(service: "inner")) \(innerRef)>" }
    }

    /// Connects by `route`, asserts `<Present name>` where it leads, and waits until it sees
    /// `<Present "witness">` there too.
    static func expectReachesWorld(_ route: String, name: String, witness: SyndicateClient) async throws {
        let client = try await SyndicateClient.connect(route: route)
        defer { Task { await client.close() } }
        try client.assert(AnyValue.record("Present", .string(name)))
        var seen = try await client.assertions(matching: P.rec("Present", P.bind())).makeAsyncIterator()
        var names: [AnyValue] = []
        while !names.contains(.string("witness")) {
            guard case .added(let captures)? = try await SyndicateClientTests.next(&seen) else { break }
            names.append(captures[0])
        }
        #expect(names.contains(.string("witness")), "\(route)")
        // The witness, on `$world` directly, sees the route client.
        var witnessed = try await witness.assertions(matching: P.rec("Present", P.lit(.string(name)))).makeAsyncIterator()
        #expect(try await SyndicateClientTests.next(&witnessed).map { if case .added = $0 { true } else { false } } == true)
        await client.close()
    }

    /// A client on `$world` through the plain sturdy ref, asserting `<Present "witness">`.
    static func witness(_ remote: RemoteBroker) async throws -> SyndicateClient {
        let client = try await SyndicateClient.connect(
            to: .tcp(host: "127.0.0.1", port: remote.port), sturdyRef: try SturdyRefs.mint(oid: .string("world"), key: RemoteBroker.worldKey))
        try client.assert(AnyValue.record("Present", .string("witness")))
        return client
    }

    @Test("the async client follows a route over TCP, WebSocket and a Unix socket, through a sturdy step, a noise step, and noise then sturdy",
          .timeLimit(.minutes(2)), arguments: ["tcp", "ws", "unix"])
    func routes(transport: String) async throws {
        let remote = try await RemoteBroker.start()
        let witness = try await Self.witness(remote)
        try await Self.expectReachesWorld(remote.sturdyRoute(transport), name: "sturdy", witness: witness)
        try await Self.expectReachesWorld(remote.noiseRoute(transport), name: "noise", witness: witness)
        try await Self.expectReachesWorld(remote.noiseThenSturdyRoute(transport), name: "noise-then-sturdy", witness: witness)
        // The first transport that connects is used: a dead one ahead of it does not matter.
        let dead = #"<tcp "127.0.0.1" 1>"#
        let client = try await SyndicateClient.connect(route: "<route [\(dead) \(remote.transport(transport))] \(remote.worldRef)>")
        #expect(client.address == (try RelayAddress(parsing: remote.transport(transport))))
        await client.close()
        await witness.close()
        await remote.stop()
    }

    @Test("rejections carry their reason: a wrong noise key (only that session ends), a wrong sturdy ref, an unknown transport", .timeLimit(.minutes(2)))
    func rejections() async throws {
        let remote = try await RemoteBroker.start()
        let witness = try await Self.witness(remote)
        let wrongKey = "<route [\(remote.tcp)] \(remote.noiseStep(service: "world", key: NoiseKeyPair.generate().publicKey))>"
        await #expect {
            _ = try await SyndicateClient.connect(route: wrongKey)
        } throws: { error in
            guard case SyndicateClientError.rejected(let reason) = error else { return false }
            return reason == "the noise handshake failed"
        }
        // Only that session ended: the witness's is still there, and the right key works.
        try witness.send(AnyValue.record("still-here"))
        try await witness.sync()
        try await Self.expectReachesWorld(remote.noiseRoute(), name: "after-wrong-key", witness: witness)

        let forged = RemoteBroker.ref(key: [9])
        await #expect(throws: SyndicateClientError.rejected(reason: "invalid sturdy ref")) {
            _ = try await SyndicateClient.connect(route: "<route [\(remote.tcp)] \(forged)>")
        }
        // Through the noise step, the inner gatekeeper's reason comes back too.
        await #expect(throws: SyndicateClientError.rejected(reason: "invalid sturdy ref")) {
            _ = try await SyndicateClient.connect(route: "<route [\(remote.tcp)] \(remote.noiseStep(service: "inner")) \(forged)>")
        }
        for transport in ["<stdio>", "<carrier-pigeon 7>", #"<ws "wss://example.org/">"#] {
            await #expect(throws: SyndicateClientError.rejected(reason: "unsupported transport \(transport)")) {
                _ = try await SyndicateClient.connect(route: "<route [\(transport)] \(remote.worldRef)>")
            }
        }
        await #expect(throws: SyndicateClientError.rejected(reason: "the route names no transport")) {
            _ = try await SyndicateClient.connect(route: "<route [] \(remote.worldRef)>")
        }
        await #expect(throws: SyndicateClientError.self) {
            _ = try await SyndicateClient.connect(route: "<not-a-route>")
        }
        await witness.close()
        await remote.stop()
    }

    /// A broker whose config follows `route` from `$config`, as syndicate-rs's configs do, and
    /// asserts `<Present "broker-a">` at the remote end.
    static func resolvingBroker(route: String) async throws -> (SyndicateBroker, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("routes-a-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
            ? <resolve-path \(route) _ _ <accepted ?remote>> [
              $remote <Present "broker-a">
            ]
            """.write(to: directory.appendingPathComponent("a.pr"), atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.tcpAddresses = [TCPListenAddress(host: "127.0.0.1", port: 0)]
        options.configPaths = [directory.path]
        let broker = await SyndicateBroker.start(options)
        _ = try await broker.listeningPorts(count: 1)
        return (broker, directory)
    }

    /// Waits until the witness sees `<Present "broker-a">`.
    static func expectSeesBrokerA(_ witness: SyndicateClient) async throws {
        var seen = try await witness.assertions(matching: P.rec("Present", P.lit(.string("broker-a")))).makeAsyncIterator()
        #expect(try await SyndicateClientTests.next(&seen).map { if case .added = $0 { true } else { false } } == true)
    }

    @Test("a broker's config resolves a route from $config; the link's loss retracts it, the remote's restart or a force-disconnect re-resolves it", .timeLimit(.minutes(2)))
    func brokerConfigFollowsRoute() async throws {
        // The remote restarts on the same port: held for the whole test, so that no parallel
        // test's reservation or listener takes it while the remote is down.
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        var remote = try await RemoteBroker.start(port: port)
        let (a, directory) = try await Self.resolvingBroker(route: remote.noiseThenSturdyRoute())
        defer { try? FileManager.default.removeItem(at: directory) }
        var witness = try await Self.witness(remote)
        try await Self.expectSeesBrokerA(witness)

        // The test observes the same route in A's $config: it shares A's connection.
        let log = EventLog()
        let route = try Gatekeeper.Route<Ref>(parsing: remote.noiseThenSturdyRoute())
        let config = a.objects.config
        let observer = SyndicateActor.boot(name: "route-observer") { turn in
            var resolutions = 0
            turn.duringRouteResolution(route, in: config) { turn, answer in
                guard case .accepted = answer.resolved else { return }
                resolutions += 1
                log.record("accepted \(resolutions)")
                let n = resolutions
                turn.onStop { _ in log.record("retracted \(n)") }
                if n == 2 { turn.message(answer.control, Gatekeeper.ForceDisconnect()) }
            }
        }
        defer { observer.run { $0.stopActor() } }
        #expect(await log.waitFor("accepted 1"), "\(log.all)")

        // The remote goes away: what crossed the link is retracted.
        await witness.close()
        await remote.stop()
        #expect(await log.waitFor("retracted 1"), "\(log.all)")

        // It comes back on the same port: the route is resolved again after the backoff.
        remote = try await RemoteBroker.start(port: port, noise: remote.noise)
        witness = try await Self.witness(remote)
        try await Self.expectSeesBrokerA(witness)
        #expect(await log.waitFor("accepted 2"), "\(log.all)")
        // The observer sent <force-disconnect> to the second link's control: it is dropped
        // and made again.
        #expect(await log.waitFor("retracted 2"), "\(log.all)")
        #expect(await log.waitFor("accepted 3"), "\(log.all)")
        await witness.close()
        await remote.stop()
        await a.shutdown(gracePeriod: .milliseconds(200))
    }

    @Test("the README's config/routes.pr, pointed at another broker's port, reaches its root dataspace and mirrors what is present there", .timeLimit(.minutes(2)))
    func readmeRoutesBlock() async throws {
        let block = try #require(try ReadmeBlock.all().first { $0.language.isEmpty && $0.lines.first == "# config/routes.pr" })
        var options = ServerOptions()
        options.tcpAddresses = [TCPListenAddress(host: "127.0.0.1", port: 0)]
        let remote = await SyndicateBroker.start(options)
        let port = try #require(try await remote.listeningPorts(count: 1).first)
        let script = block.text.replacingOccurrences(of: #"<tcp "127.0.0.1" 9001>"#, with: #"<tcp "127.0.0.1" \#(port)>"#)
        #expect(script != block.text)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("routes-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try script.write(to: directory.appendingPathComponent("routes.pr"), atomically: true, encoding: .utf8)
        var localOptions = ServerOptions()
        localOptions.configPaths = [directory.path]
        let local = await SyndicateBroker.start(localOptions)

        let log = EventLog()
        let config = local.objects.config
        let observer = SyndicateActor.boot(name: "remote-present-observer") { turn in
            turn.during(config, P.rec("remote-present", P.bind())) { turn, captures in
                log.record("remote-present \(captures[0])")
                turn.onStop { _ in log.record("gone \(captures[0])") }
            }
        }
        defer { observer.run { $0.stopActor() } }
        let alice = try await SyndicateClient.connect(to: .tcp(host: "127.0.0.1", port: port))
        let assertion = try alice.assert(AnyValue.record("Present", .string("alice")))
        var seen = try await alice.assertions(matching: P.rec("Present", P.lit(.string("broker-a")))).makeAsyncIterator()
        #expect(try await SyndicateClientTests.next(&seen).map { if case .added = $0 { true } else { false } } == true)
        #expect(await log.waitFor(#"remote-present "alice""#), "\(log.all)")
        assertion.retract()
        #expect(await log.waitFor(#"gone "alice""#), "\(log.all)")
        await alice.close()
        await local.shutdown(gracePeriod: .milliseconds(200))
        await remote.shutdown(gracePeriod: .milliseconds(200))
    }

    /// Waits until `condition` holds, for at most `timeout`.
    static func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("observers of one route share one connection, which closes when the last of them goes", .timeLimit(.minutes(2)))
    func oneConnectionPerRoute() async throws {
        let remote = try await RemoteBroker.start()
        let witness = try await Self.witness(remote)
        #expect(await Self.eventually { remote.broker.connectionCount == 1 })
        var seen = try await witness.assertions(matching: P.rec("Present", P.bind())).makeAsyncIterator()
        _ = try await SyndicateClientTests.next(&seen)  // the witness itself
        let route = try Gatekeeper.Route<Ref>(parsing: remote.noiseThenSturdyRoute())
        let observers = FacetBox()
        let resolverBox = RefBox()
        let local = SyndicateActor.boot(name: "route-observers") { turn in
            let resolver = turn.createDataspace()
            resolverBox.set(resolver)
            turn.serveRoutes(in: resolver)
            for name in ["one", "two", "three"] {
                let facet = turn.facet { turn in
                    turn.resolveRoute(route, in: resolver) { turn, remote in
                        turn.assert(remote, .record("Present", .string(name)))
                    }
                }
                observers.add(facet)
            }
        }
        defer { local.run { $0.stopActor() } }
        var names: Set<AnyValue> = []
        while names.count < 3, case .added(let captures)? = try await SyndicateClientTests.next(&seen) { names.insert(captures[0]) }
        #expect(names == [.string("one"), .string("two"), .string("three")])
        #expect(remote.broker.connectionCount == 2)
        // The observers go: the connection closes.
        let facets = observers.all
        local.run { turn in for facet in facets { turn.stop(facet) } }
        #expect(await Self.eventually { remote.broker.connectionCount == 1 }, "\(remote.broker.connectionCount) connections")
        // And the path steps are no longer followed: no <path-step …> answer is left.
        let resolver = try #require(resolverBox.ref)
        let answers = Counter()
        let synced = EventLog()
        local.run { turn in
            turn.during(resolver, Gatekeeper.ResolvedPathStep<Ref>.pattern()) { turn, _ in
                answers.add(1)
                turn.onStop { _ in answers.add(-1) }
            }
            turn.sync(resolver) { _ in synced.record("synced") }
        }
        #expect(await synced.waitFor("synced"))
        #expect(await Self.eventually { answers.value == 0 }, "\(answers.value) path-step answers left")
        await witness.close()
        await remote.stop()
    }
}

extension RouteResolutionTests {
    @Test("a client connected by route ends with connectionLost when the remote goes away", .timeLimit(.minutes(1)))
    func clientSeesTheLinkLost() async throws {
        let remote = try await RemoteBroker.start()
        let client = try await SyndicateClient.connect(route: remote.noiseRoute())
        #expect(client.route == (try Gatekeeper.Route<Ref>(parsing: remote.noiseRoute())))
        await remote.stop()
        #expect(await client.closed() == .connectionLost(address: remote.tcp))
        #expect(throws: SyndicateClientError.connectionLost(address: remote.tcp)) { try client.send(AnyValue.record("late")) }
    }
}

extension RouteResolutionTests {
    @Test("a noise step whose responder goes away is rejected, and tried again until the binding is back", .timeLimit(.minutes(1)))
    func noiseStepIsRetried() async throws {
        let remote = try await RemoteBroker.start()
        let remoteConfig = remote.broker.objects.config
        let keys = remote.noise
        let bindings = FacetBox()
        let binder = SyndicateActor.boot(name: "binder") { turn in
            let flaky = turn.createDataspace()
            let spec = Noise.NoiseServiceSpec<Ref>(
                base: Noise.NoiseSpec<Ref>(key: keys.publicKey, service: .symbol("flaky"), protocol: .absent, preSharedKeys: .absent),
                secretKey: .present(secretKey: keys.secretKey))
            let bind = Gatekeeper.Bind<Ref>(description_: Gatekeeper.Description(stepType: "noise", detail: spec.preserves), target: flaky, observer: .absent)
            turn.assert(flaky, AnyValue.record("flaky-world"))
            bindings.add(turn.facet { turn in turn.assert(remoteConfig, bind) })
            turn.onMessage(remoteConfig, P.rec("rebind-flaky")) { turn, _ in
                bindings.add(turn.facet { turn in turn.assert(remoteConfig, bind) })
            }
        }
        defer { binder.run { $0.stopActor() } }
        let log = EventLog()
        let route = try Gatekeeper.Route<Ref>(parsing: "<route [\(remote.tcp)] \(remote.noiseStep(service: "flaky"))>")
        let local = SyndicateActor.boot(name: "flaky-resolver") { turn in
            let resolver = turn.createDataspace()
            turn.serveRoutes(in: resolver)
            var accepted = 0
            turn.duringRouteResolution(route, in: resolver) { turn, answer in
                switch answer.resolved {
                case .accepted:
                    accepted += 1
                    let n = accepted
                    log.record("accepted \(n)")
                    turn.onStop { _ in log.record("retracted \(n)") }
                case .rejected(let rejection):
                    log.record("rejected \(rejection.detail)")
                }
            }
        }
        defer { local.run { $0.stopActor() } }
        #expect(await log.waitFor("accepted 1"), "\(log.all)")
        // The binding goes: the responder's session ends, and so does the step.
        let first = bindings.all
        binder.run { turn in for facet in first { turn.stop(facet) } }
        #expect(await log.waitFor("retracted 1"), "\(log.all)")
        #expect(await log.waitFor(#"rejected "the noise session ended""#), "\(log.all)")
        // It comes back: the step is tried again and the route resolved again.
        binder.run { turn in turn.message(remoteConfig, AnyValue.record("rebind-flaky")) }
        #expect(await log.waitFor("accepted 2"), "\(log.all)")
        await remote.stop()
    }
}

/// A reference made in an actor's turn, for the test.
final class RefBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Ref?
    func set(_ ref: Ref) { lock.withLock { stored = ref } }
    var ref: Ref? { lock.withLock { stored } }
}

/// A count kept by actors and read by the test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ n: Int) { lock.withLock { count += n } }
    var value: Int { lock.withLock { count } }
}

/// Facets made in an actor's turn, for the test to stop later.
final class FacetBox: @unchecked Sendable {
    private let lock = NSLock()
    private var facets: [FacetID] = []
    func add(_ facet: FacetID) { lock.withLock { facets.append(facet) } }
    var all: [FacetID] { lock.withLock { facets } }
}

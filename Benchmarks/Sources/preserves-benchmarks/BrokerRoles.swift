import BenchmarkSupport
import Foundation
import Preserves
import Syndicate
import BenchmarkExamples
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer

/// The processes the broker suite starts: this same program, run with `--role NAME ARGS…`.
/// The Syndicate roles run the example programs' code (BenchmarkExamples: the sources of
/// Examples/SyndicateExamples) against a broker
/// that runs SyndicateServer; the raw roles speak the Syndicate protocol on blocking sockets
/// (``RawSyndicateClients``) and the Redis roles are their RESP equivalents.
enum BrokerRoles {
    static let flag = "--role"

    static func run(_ arguments: [String]) async -> Never {
        let role = arguments.first ?? ""
        let numbers = arguments.dropFirst().compactMap { Int($0) }
        func arg(_ i: Int) -> Int { i < numbers.count ? numbers[i] : 0 }
        switch role {
        case "broker":
            var options = ServerOptions()
            options.ports = [arg(0)]
            if arg(1) > 0 { options.threads = arg(1) }
            _ = await SyndicateBroker.start(options)
            while true { try? await Task.sleep(for: .seconds(3600)) }
        case "consumer":
            await client(port: arg(0)) { turn, ds in
                ConsumerProgram.run(turn, ds: ds) { emit("\($0) messages in the last second") }
            }
        case "producer":
            let (a, b) = (arg(1), arg(2))
            await client(port: arg(0)) { turn, ds in
                ProducerProgram.run(turn, ds: ds, messagesPerTurn: a, padding: b)
            }
        case "pong":
            await client(port: arg(0), placement: .connectionLoop) { turn, ds in PongProgram.run(turn, ds: ds) }
        case "ping":
            let samples = arg(1)
            await client(port: arg(0), placement: .connectionLoop) { turn, ds in
                PingProgram.run(turn, ds: ds, turns: 1, messagesPerTurn: 1, reportEvery: samples, padding: 0,
                                report: { emit("\($0)") })
            }
        case "fed-broker":
            await FederationRoles.broker(Array(arguments.dropFirst()))
        case "fed-ping":
            let samples = arg(1)
            await client(port: arg(0)) { turn, ds in FederationRoles.ping(turn, ds: ds, samples: samples, report: { emit($0) }) }
        case "idle":
            idleConnections(port: arg(0), count: arg(1))
        case "raw-publisher": RawSyndicateClients.publisher(port: arg(0), perBatch: arg(1), padding: arg(2))
        case "raw-subscriber": RawSyndicateClients.subscriber(port: arg(0))
        case "raw-pong": RawSyndicateClients.pong(port: arg(0))
        case "raw-ping": RawSyndicateClients.ping(port: arg(0), samples: arg(1))
        case "redis-publisher": RedisClients.publisher(port: arg(0), perBatch: arg(1), padding: arg(2))
        case "redis-subscriber": RedisClients.subscriber(port: arg(0))
        case "redis-pong": RedisClients.pong(port: arg(0))
        case "redis-ping": RedisClients.ping(port: arg(0), samples: arg(1))
        default:
            FileHandle.standardError.write(Data("unknown role \(role)\n".utf8))
            exit(2)
        }
    }

    /// Runs an example program the way the example executables do (``runExample``).
    private static func client(
        port: Int, placement: ExampleActorPlacement = .ownQueue, _ body: @escaping @Sendable (Turn, Ref) throws -> Void
    ) async -> Never {
        _ = await runExample(name: "client", address: .tcp(host: "127.0.0.1", port: port), sturdyRef: .wellKnownSyndicate, placement: placement, body)
        exit(1)
    }

    /// Opens `count` connections that each resolve the well-known ref and then stay idle.
    /// Prints "ready" once every one has its answer.
    private static func idleConnections(port: Int, count: Int) -> Never {
        let resolve = PacketWriter().encode(resolvePacket(), syntax: .binary)
        var sockets: [BlockingSocket] = []
        for _ in 0..<count {
            guard let socket = BlockingSocket(port: port) else { fatalError("connect failed") }
            socket.write(resolve)
            sockets.append(socket)
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for socket in sockets { _ = socket.read(into: &buffer) }
        emit("ready")
        while true { sleep(3600) }
    }

    private static func resolvePacket() -> WirePacket {
        let ref = Sturdy.SturdyRef<Ref>.wellKnownSyndicate.preserves.mapEmbedded { _ -> WireEmbedded in fatalError() }
        let request = Gatekeeper.Resolve<WireEmbedded>(
            step: Gatekeeper.Step(stepType: "ref", detail: (try! Sturdy.SturdyRef<WireEmbedded>(preserves: ref)).parameters.preserves),
            observer: WireEmbedded(.mine(oid: 0)))
        return .turn([Protocol.TurnEvent(oid: 0, event: .assert(Protocol.Assert(assertion: request.preserves, handle: 1)))])
    }
}

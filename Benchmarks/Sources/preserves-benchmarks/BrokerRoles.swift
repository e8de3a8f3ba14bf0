import BenchmarkSupport
import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer

/// The processes the broker suite starts: this same program, run with `--role NAME ARGS…`.
/// The broker role runs SyndicateServer; the Redis roles are the RESP equivalents of the
/// example programs (`producer`, `consumer`, `pingpong`), which the suite runs as they are.
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
        case "idle":
            idleConnections(port: arg(0), count: arg(1))
        case "redis-publisher": RedisClients.publisher(port: arg(0), perBatch: arg(1), padding: arg(2))
        case "redis-subscriber": RedisClients.subscriber(port: arg(0))
        case "redis-pong": RedisClients.pong(port: arg(0))
        case "redis-ping": RedisClients.ping(port: arg(0), samples: arg(1))
        default:
            FileHandle.standardError.write(Data("unknown role \(role)\n".utf8))
            exit(2)
        }
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

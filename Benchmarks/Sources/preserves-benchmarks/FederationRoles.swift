import Foundation
import Preserves
import Syndicate
import BenchmarkExamples
import SyndicateNIO
import SyndicateProtocols
import SyndicateServer

/// The federation suite's processes: a broker that is one member of a federation, and a ping
/// that waits for the federation's links before its first ping.
enum FederationRoles {
    /// `fed-broker PORT NAME MODE PEER=PORT …`: a broker on 127.0.0.1:PORT whose root
    /// dataspace (behind the well-known ref, so the example roles use it unchanged) is federated
    /// with the brokers on the peers' ports.
    static func broker(_ arguments: [String]) async -> Never {
        guard arguments.count >= 3, let port = Int(arguments[0]) else {
            FileHandle.standardError.write(Data("usage: fed-broker PORT NAME MODE PEER=PORT…\n".utf8))
            exit(2)
        }
        let (name, mode) = (arguments[1], arguments[2])
        let federationRef: Sturdy.SturdyRef<Ref> = try! SturdyRefs.mint(oid: .string("federation"), key: [])
        let sig = federationRef.parameters.sig.map { String(format: "%02x", $0) }.joined()
        let peers = arguments.dropFirst(3).compactMap { peer -> String? in
            let parts = peer.split(separator: "=")
            guard parts.count == 2 else { return nil }
            return #"<peer "\#(parts[0])" <route [<tcp "127.0.0.1" \#(parts[1])>] <ref {oid: "federation" sig: #x"\#(sig)"}>>>"#
        }
        let config = """
            let ?world = dataspace
            <bind <ref {oid: "syndicate" key: #x""}> $world #f>
            <require-service <federation {name: "\(name)" dataspace: $world mode: \(mode) peers: [\(peers.joined(separator: " "))]}>>
            ? <service-object <federation _> ?fed> <bind <ref {oid: "federation" key: #x""}> $fed #f>
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("federation-bench-\(name)-\(port)-\(getpid()).pr")
        do {
            try config.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            FileHandle.standardError.write(Data("cannot write \(file.path): \(error)\n".utf8))
            exit(1)
        }
        var options = ServerOptions()
        options.tcpAddresses = [TCPListenAddress(host: "127.0.0.1", port: port)]
        options.configPaths = [file.path]
        _ = await SyndicateBroker.start(options)
        while true { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// The `ping` role's program (one ping in flight), restarted with a fresh observer when a
    /// second passes without a pong: a ping that raced ahead of the federation carrying the
    /// interest in its pong would otherwise stall the exchange.
    static func ping(_ turn: Turn, ds: Ref, samples: Int, report: @escaping @Sendable (String) -> Void) {
        final class Attempt {
            var facet: FacetID?
            var quietSeconds = 0
        }
        let attempt = Attempt()
        func start(_ turn: Turn) {
            attempt.quietSeconds = 0
            attempt.facet = turn.facet { turn in
                PingProgram.run(turn, ds: ds, turns: 1, messagesPerTurn: 1, reportEvery: samples, padding: 0,
                                report: { report("\($0)") },
                                tick: { _, events in attempt.quietSeconds = events == 0 ? attempt.quietSeconds + 1 : 0 })
            }
        }
        turn.every(.milliseconds(500)) { turn in
            guard attempt.quietSeconds > 0, let facet = attempt.facet else { return }
            turn.stop(facet)
            start(turn)
        }
        start(turn)
    }
}

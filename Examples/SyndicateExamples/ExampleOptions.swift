import ArgumentParser
import Foundation
import NIOPosix
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols

/// The options every example program shares: where the broker is and which sturdy ref to
/// resolve there.
public struct ExampleConnectionOptions: ParsableArguments, Sendable {
    @Option(name: .customShort("d"), help: ArgumentHelp(
        "The sturdy ref to resolve: hex of its binary encoding, or Preserves text. Default: the well-known \"syndicate\" ref.",
        valueName: "sturdy-ref"))
    public var dataspace: String?

    @Option(help: ArgumentHelp("The broker's transport address, e.g. '<tcp \"127.0.0.1\" 9001>' or '<unix \"/path\">'.", valueName: "address"))
    public var address: String = #"<tcp "127.0.0.1" 9001>"#

    public init() {}

    public func validate() throws {
        do {
            _ = try RelayAddress(parsing: address)
        } catch {
            throw ValidationError("--address: \(error)")
        }
        do {
            _ = try sturdyRef()
        } catch {
            throw ValidationError("-d: not a sturdy ref (hex or Preserves text): \(error)")
        }
    }

    /// The parsed sturdy ref.
    public func sturdyRef() throws -> Sturdy.SturdyRef<Ref> {
        guard let dataspace else { return .wellKnownSyndicate }
        return try Sturdy.SturdyRef<Ref>(parsing: dataspace)
    }

    /// Connects, resolves the ref, runs `body` with the dataspace, and never returns unless
    /// the connection fails (then the process exits with status 1).
    public func run(name: String, _ body: @escaping @Sendable (Turn, Ref) throws -> Void) async throws -> Never {
        let status = await runExample(name: name, address: try RelayAddress(parsing: address), sturdyRef: try sturdyRef(), body)
        emitLine("\(name): \(status)")
        throw ExitCode.failure
    }
}

/// Runs an example program: an actor that connects to `address`, resolves `sturdyRef` and runs
/// `body` with the dataspace; returns the actor's exit status once it ends.
///
/// The actor runs on an event loop (``EventLoopExecutor``), and `turn.connect` puts its connection
/// on the same loop: what arrives is read, decoded and handled by the program on one thread,
/// and what the program sends is encoded and written in the same pass, with no hop between
/// threads (a round trip pays no thread wake-up in the client; a stream of messages pays no
/// context switch per batch).
public func runExample(
    name: String, address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref>,
    _ body: @escaping @Sendable (Turn, Ref) throws -> Void
) async -> ExitStatus {
    let executor = EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
    let actor = SyndicateActor.boot(name: name, executor: executor) { turn in
        turn.connect(to: address, sturdyRef: sturdyRef) { turn, ds in try body(turn, ds) }
    }
    return await actor.terminated()
}

/// Writes one line to standard output at once (unbuffered), so that reports reach other
/// programs (and the broker benchmark) as they happen.
public func emitLine(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

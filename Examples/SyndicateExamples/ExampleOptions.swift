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
    public func run(
        name: String, placement: ExampleActorPlacement = .ownQueue,
        _ body: @escaping @Sendable (Turn, Ref) throws -> Void
    ) async throws -> Never {
        let status = await runExample(name: name, address: try RelayAddress(parsing: address), sturdyRef: try sturdyRef(), placement: placement, body)
        emitLine("\(name): \(status)")
        throw ExitCode.failure
    }
}

/// Where an example program's actor runs its turns.
public enum ExampleActorPlacement: Sendable {
    /// A dispatch queue of its own, the default: the program and its connection's relay work
    /// in parallel, which streams of messages gain from (measured about 1.3× the msgs/s of
    /// ``connectionLoop`` for producer → consumer).
    case ownQueue
    /// The connection's event loop (``EventLoopExecutor``): what arrives is read, decoded and
    /// handled, and the answer encoded and written, on one thread with no wake-up between
    /// threads. For one message in flight (ping-pong), where each hop adds to the round trip.
    case connectionLoop
}

/// Runs an example program: an actor, placed as asked, that connects to `address`, resolves
/// `sturdyRef` and runs `body` with the dataspace; returns the actor's exit status once it ends.
public func runExample(
    name: String, address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref>, placement: ExampleActorPlacement = .ownQueue,
    _ body: @escaping @Sendable (Turn, Ref) throws -> Void
) async -> ExitStatus {
    // `turn.connect` opens the connection on the actor's loop when it has one.
    let executor: (any ActorExecutor)? = switch placement {
    case .ownQueue: nil
    case .connectionLoop: EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
    }
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

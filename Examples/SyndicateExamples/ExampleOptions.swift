import ArgumentParser
import Foundation
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
        let address = try RelayAddress(parsing: self.address)
        let ref = try sturdyRef()
        // (Running this actor on its connection's event loop measured slower here: its own queue
        // lets the program and the relay work in parallel.)
        let actor = SyndicateActor.boot(name: name) { turn in
            turn.connect(to: address, sturdyRef: ref) { turn, ds in try body(turn, ds) }
        }
        let status = await actor.terminated()
        emitLine("\(name): \(status)")
        throw ExitCode.failure
    }
}

/// Writes one line to standard output at once (unbuffered), so that reports reach other
/// programs (and the broker benchmark) as they happen.
public func emitLine(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

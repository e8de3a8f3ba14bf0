import Foundation
import Logging
import NIOCore
import NIOPosix
import Preserves
import Syndicate
import SyndicateProtocols

/// The connection to a relay peer ended.
public struct RelayConnectionLost: Error, Sendable, CustomStringConvertible {
    public var address: RelayAddress
    public var description: String { "connection to \(address) lost" }
}

extension Turn {
    /// Connects to the relay peer at `address`, resolves `sturdyRef` with its gatekeeper, and
    /// runs `body` with the resulting reference (usually a dataspace) in a new facet.
    ///
    /// The connection belongs to the current facet: stopping the facet closes it. If the
    /// connection fails or is lost, the actor terminates with ``RelayConnectionLost`` (run it
    /// under a `Supervisor` to reconnect).
    public func connect(
        to address: RelayAddress, sturdyRef: Sturdy.SturdyRef<Ref>, limits: RelayLimits = .default,
        logger: Logger = Logger(label: "syndicate.relay"),
        _ body: @escaping (Turn, Ref) throws -> Void
    ) {
        // An actor running on an event loop gets its connection on the same loop.
        let group: any EventLoopGroup = (actor.executor as? EventLoopExecutor)?.eventLoop ?? MultiThreadedEventLoopGroup.singleton
        // The resolve request goes out from the session's first turn (through this facet's
        // activator), not once the linked task has been resumed: a broker closes connections
        // that send nothing within its handshake timeout.
        let activator = self.activator
        let body = ActorConfined(body, owner: actor)
        linkedTask(producing: {
            let connection = try await RelayConnector.connect(address, limits: limits, logger: logger, group: group) { peer in
                activator.activate { turn in turn.resolve(peer, sturdyRef, body.get(in: turn)) }
            }
            // A facet stopped meanwhile will not take the connection (nor send the resolve).
            if Task.isCancelled { connection.session.transportClosed() }
            return connection
        }) { turn, connection in
            turn.linkedTask { _ in
                await withTaskCancellationHandler {
                    _ = await connection.session.actor.terminated()
                } onCancel: {
                    connection.session.transportClosed()
                }
                if !Task.isCancelled { throw RelayConnectionLost(address: address) }
            }
        }
    }
}

extension Sturdy.SturdyRef where Embedded == Ref {
    /// The well-known `<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>`,
    /// which `syndicate-server` binds to its root dataspace by default.
    public static var wellKnownSyndicate: Self {
        // A string oid and no caveats always encode.
        try! SturdyRefs.mint(oid: .string("syndicate"), key: [])
    }

    /// Reads a sturdy ref from its binary encoding in hex (the form the example programs take
    /// with `-d`) or from Preserves text such as `<ref {oid: "syndicate" sig: #x"…"}>`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let value: Value<Never>
        if let bytes = Self.hexBytes(trimmed) {
            value = try Value<Never>(binary: bytes)
        } else {
            value = try Value<Never>(text: trimmed)
        }
        try self.init(preserves: value.mapEmbedded { (never: Never) -> Ref in })
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard !chars.isEmpty, chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = hexDigit(chars[i]), let lo = hexDigit(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

import Preserves
import SyndicateProtocols

/// Where a relay peer can be reached: the `transportAddress` schema's forms.
public enum RelayAddress: Sendable, Hashable, CustomStringConvertible {
    /// `<tcp "host" port>`
    case tcp(host: String, port: Int)
    /// `<unix "path">`
    case unix(path: String)
    /// `<ws "ws://host:port/path">`: one packet per binary message.
    case webSocket(url: String)
    /// `<stdio>`: this process's standard input and output.
    case stdio

    /// Reads an address in Preserves text, such as `<tcp "127.0.0.1" 9001>`, through the
    /// generated `TransportAddress` types.
    public init(parsing text: String) throws {
        try self.init(transportAddress: try Value<Never>(text: text), text: text)
    }

    /// The address a `transportAddress` value names (`<tcp "host" port>`, `<unix "path">`,
    /// `<ws "url">`, `<stdio>`), as a route's transports give them.
    public init<E: PreservesEmbedded>(transportAddress value: Value<E>) throws(RelayAddressError) {
        try self.init(transportAddress: value, text: "\(value)")
    }

    private init<E: PreservesEmbedded>(transportAddress value: Value<E>, text: String) throws(RelayAddressError) {
        if let tcp = try? TransportAddress.Tcp(preserves: value) {
            guard let port = tcp.port.int, (0...65535).contains(port) else {
                throw RelayAddressError(text: text, reason: "port out of range")
            }
            self = .tcp(host: tcp.host, port: port)
        } else if let unix = try? TransportAddress.Unix(preserves: value) {
            self = .unix(path: unix.path)
        } else if let ws = try? TransportAddress.WebSocket(preserves: value) {
            self = .webSocket(url: ws.url)
        } else if (try? TransportAddress.Stdio(preserves: value)) != nil {
            self = .stdio
        } else {
            throw RelayAddressError(text: text, reason: "expected <tcp host port>, <unix path>, <ws url> or <stdio>")
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return TransportAddress.Tcp(host: host, port: SignedInteger(port)).preserves(as: Never.self).description
        case .unix(let path): return TransportAddress.Unix(path: path).preserves(as: Never.self).description
        case .webSocket(let url): return TransportAddress.WebSocket(url: url).preserves(as: Never.self).description
        case .stdio: return TransportAddress.Stdio().preserves(as: Never.self).description
        }
    }
}

/// A transport address that could not be read.
public struct RelayAddressError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "bad transport address \(text): \(reason)" }
}

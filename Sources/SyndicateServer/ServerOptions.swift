import Syndicate

/// What to run: the command line of `syndicate-server`, as data.
public struct ServerOptions: Sendable {
    /// TCP ports to listen on, on every IPv4 interface (`0.0.0.0`), each with the gatekeeper as
    /// oid 0. Use ``tcpAddresses`` to choose the interface.
    public var ports: [Int] = []
    /// TCP addresses to listen on (the `-p` option), each with the gatekeeper as oid 0.
    public var tcpAddresses: [TCPListenAddress] = []
    /// Unix socket paths to listen on.
    public var socketPaths: [String] = []
    /// Config files or directories of `*.pr` scripts. With none, the default configuration
    /// binds the well-known `syndicate` sturdy ref to a fresh root dataspace.
    public var configPaths: [String] = []
    /// Speak the protocol on standard input and output, exporting `$config` as oid 0.
    public var inferior = false
    /// Limits applied to every relay session.
    public var limits: RelayLimits = .default
    /// Event loop threads for connections and the broker's own actors (`nil`: one per core).
    public var threads: Int?
    /// How often config files are checked for changes (`nil`: never).
    public var configPollInterval: Duration? = .seconds(1)
    /// Give config scripts `$control`, whose message `<exit CODE>` ends the server (`--control`).
    public var control = false
    /// Log the debt of every session this often (`--debt-reporter`: every second).
    public var debtReportInterval: Double?

    public init() {}
}

/// A TCP address to listen on, in the forms `syndicate-server -p` takes: `PORT` (every IPv4
/// interface, `0.0.0.0`, as syndicate-rs's server binds), `HOST:PORT` (an IPv4 address or a
/// host name, e.g. `127.0.0.1:9001`) or `[IPV6]:PORT` (e.g. `[::1]:9001`).
public struct TCPListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(TCPListenAddressError) {
        func fail(_ reason: String) -> TCPListenAddressError { TCPListenAddressError(text: text, reason: reason) }
        func port(_ digits: Substring) throws(TCPListenAddressError) -> Int {
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let port = Int(digits), (0...65535).contains(port) else {
                throw fail("the port must be a number from 0 to 65535")
            }
            return port
        }
        let expected = "expected PORT, HOST:PORT or [IPV6]:PORT"
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { throw fail("no closing ] after an IPv6 address") }
            let host = text[text.index(after: text.startIndex)..<close]
            guard host.contains(":"), host.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else {
                throw fail("[\(host)] is not an IPv6 address")
            }
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { throw fail("\(expected): a port must follow [\(host)]") }
            self.init(host: String(host), port: try port(rest.dropFirst()))
        } else if let colon = text.lastIndex(of: ":") {
            let host = text[..<colon]
            guard !host.contains(":") else { throw fail("write an IPv6 address in brackets, as in [::1]:9001") }
            guard !host.isEmpty else { throw fail("\(expected): the host before : is missing") }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                throw fail("\(host) is not a host name or IPv4 address")
            }
            self.init(host: String(host), port: try port(text[text.index(after: colon)...]))
        } else {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw fail(expected) }
            self.init(host: "0.0.0.0", port: try port(Substring(text)))
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A `-p` value that is not a TCP address to listen on.
public struct TCPListenAddressError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { reason }
}

import BenchmarkSupport
import Foundation

extension ChildProcess {
    /// Another instance of this benchmark program, in a role (see BrokerRoles).
    static func role(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(CommandLine.arguments[0], [BrokerRoles.flag] + arguments)
    }

    /// One of the root package's example programs (`producer`, `consumer`, `pingpong`), built
    /// beside this program by the same `swift run`, connected to the broker on `port`.
    static func example(_ name: String, port: Int, _ arguments: [String]) throws -> ChildProcess {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = me.deletingLastPathComponent().appendingPathComponent(name).path
        return try ChildProcess(binary, arguments + ["--address", #"<tcp "127.0.0.1" \#(port)>"#])
    }
}

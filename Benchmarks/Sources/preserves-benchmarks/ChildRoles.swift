import BenchmarkSupport

extension ChildProcess {
    /// Another instance of this benchmark program, in a role (see BrokerRoles).
    static func role(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(CommandLine.arguments[0], [BrokerRoles.flag] + arguments)
    }
}

// TEMPORARY: replaced by Script/ when the script language lands.
import Syndicate
public struct ConfigScript: Sendable {
    public static func parse(_ text: String, file: String) throws(ConfigScriptError) -> ConfigScript {
        throw ConfigScriptError(file: file, line: 1, column: 1, message: "config scripts are not supported yet")
    }
    public func run(_ turn: Turn, environment: [String: AnyValue]) throws {}
}
public struct ConfigScriptError: Error, Sendable, CustomStringConvertible {
    public var file: String; public var line: Int; public var column: Int; public var message: String
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

import Preserves

/// A problem with a configuration script, found while parsing it or while running it, and the
/// place in the script it concerns.
///
/// Its description is `file:line:column: message`, the form editors and compilers use.
public struct ConfigScriptError: Error, Sendable, CustomStringConvertible {
    /// The name the script was parsed under (usually its path).
    public var file: String
    /// 1-based line of the offending text.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the offending text.
    public var column: Int
    /// What is wrong.
    public var message: String

    /// An error at an explicit line and column.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// An error at a position recorded by the text reader.
    init(file: String, at position: SourcePosition, _ message: String) {
        self.init(file: file, line: position.line, column: position.column, message: message)
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

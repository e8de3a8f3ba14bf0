/// Why a value did not match a schema definition, and where in the value matching failed.
///
/// Generated parsers throw this error. Creating one costs no allocation until it is given a
/// path, so trying the alternatives of a definition in turn stays cheap.
public struct SchemaParseError: Error, Sendable, CustomStringConvertible {
    /// One step from a value to a part of it.
    public enum PathStep: Sendable, Hashable, CustomStringConvertible {
        /// The label of a record.
        case label
        /// A field of a record, from zero.
        case field(Int)
        /// An element of a sequence, from zero.
        case index(Int)
        /// The value stored under a dictionary key (shown in text syntax).
        case key(String)
        /// An element of a set (shown in text syntax).
        case element(String)
        /// The value after `#:`.
        case embedded

        public var description: String {
            switch self {
            case .label: ".label"
            case .field(let i): ".fields[\(i)]"
            case .index(let i): "[\(i)]"
            case .key(let k): "{\(k)}"
            case .element(let e): "#{\(e)}"
            case .embedded: ".embedded"
            }
        }
    }

    /// The definition being matched, as `module.Name`.
    public var definition: StaticString
    /// What the pattern expected at ``path``.
    public var expected: StaticString
    /// From the value given to the parser down to the part that did not match.
    public var path: [PathStep]
    /// For a definition with alternatives: why each alternative failed, in order.
    public var alternatives: [SchemaParseError]

    public init(definition: StaticString, expected: StaticString, path: [PathStep] = [], alternatives: [SchemaParseError] = []) {
        self.definition = definition
        self.expected = expected
        self.path = path
        self.alternatives = alternatives
    }

    /// This error, seen from one step further out.
    public func under(_ step: PathStep) -> SchemaParseError {
        var copy = self
        copy.path.insert(step, at: 0)
        return copy
    }

    /// The error as one line per failure, alternatives indented below their definition.
    public var description: String {
        var lines: [String] = []
        describe(into: &lines, indent: "", prefix: [])
        return lines.joined(separator: "\n")
    }

    private func describe(into lines: inout [String], indent: String, prefix: [PathStep]) {
        let fullPath = prefix + path
        let location = fullPath.isEmpty ? "the value" : "value" + fullPath.map(\.description).joined()
        lines.append("\(indent)\(definition): expected \(expected) at \(location)")
        for alternative in alternatives {
            alternative.describe(into: &lines, indent: indent + "  ", prefix: fullPath)
        }
    }
}

/// Runs `body`, adding `step` to the path of any ``SchemaParseError`` it throws. Generated
/// parsers use this for every nested part they parse.
@inlinable
public func withSchemaPath<T>(
    _ step: @autoclosure () -> SchemaParseError.PathStep, _ body: () throws(SchemaParseError) -> T
) throws(SchemaParseError) -> T {
    do {
        return try body()
    } catch {
        throw error.under(step())
    }
}

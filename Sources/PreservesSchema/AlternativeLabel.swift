import Preserves

extension Schema.Pattern {
    /// The label an alternative gets when it is written without `@label`: a record's literal
    /// symbol label (`<eof>` → "eof"), a reference's name (`protocol.Error` → "Error"), or a
    /// literal's text (`=lf` → "lf", `#f` → "false"). `nil` when the alternative must be named.
    public var inferredAlternativeLabel: String? {
        switch self {
        case .simplePattern(.ref(let ref)):
            return ref.name.name
        case .simplePattern(.lit(let value)):
            return Self.literalLabel(value)
        case .compoundPattern(.rec(.anonymous(.simplePattern(.lit(let label))), _)):
            return label.symbol?.name
        default:
            return nil
        }
    }

    /// The label text of a literal: symbols and strings as themselves, booleans as
    /// `true`/`false`, integers in decimal.
    public static func literalLabel(_ value: Value<Never>) -> String? {
        switch value {
        case .boolean(let b): b ? "true" : "false"
        case .integer(let i): i.description
        case .string(let s): s
        case .symbol(let s): s.name
        default: nil
        }
    }
}

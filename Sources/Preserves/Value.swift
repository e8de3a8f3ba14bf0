/// A Preserves value: one of the kinds of the Preserves data model (0.996).
///
/// `Value` is generic over the type of its embedded values. Plain data uses ``IOValue``, whose
/// embedded values are kept as their Preserves representation; the Syndicate runtime embeds
/// capabilities, and the network layer embeds wire references.
///
/// Equality, hashing and ordering follow the Preserves specification exactly: kinds are ordered
/// `Boolean < Double < SignedInteger < String < ByteString < Symbol < Record < Sequence < Set <
/// Dictionary < Embedded`, doubles compare by their total order on bit patterns, and strings and
/// symbols compare by Unicode scalar values (not by Swift's canonical-equivalence rules).
/// Annotations never take part in equality, hashing or ordering.
public enum Value<Embedded: PreservesEmbedded>: Sendable {
    case boolean(Bool)
    case double(Double)
    case integer(SignedInteger)
    case string(String)
    case byteString([UInt8])
    case symbol(Symbol)
    case record(Record<Embedded>)
    case sequence([Value])
    case set(Set<Value>)
    case dictionary([Value: Value])
    indirect case embedded(Embedded)
    /// A value carrying annotations. Readers produce this case only when asked to keep
    /// annotations; the wrapped value is never itself `.annotated`.
    indirect case annotated(Annotated<Embedded>)
}

/// The kinds of the Preserves data model, in the order the specification gives them.
public enum ValueKind: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case boolean, double, signedInteger, string, byteString, symbol
    case record, sequence, set, dictionary, embedded

    public static func < (lhs: ValueKind, rhs: ValueKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .boolean: "Boolean"
        case .double: "Double"
        case .signedInteger: "SignedInteger"
        case .string: "String"
        case .byteString: "ByteString"
        case .symbol: "Symbol"
        case .record: "Record"
        case .sequence: "Sequence"
        case .set: "Set"
        case .dictionary: "Dictionary"
        case .embedded: "Embedded"
        }
    }
}

/// Plain Preserves data: embedded values are kept as their own Preserves representation.
public typealias IOValue = Value<IOEmbedded>

extension Value {
    /// The kind of this value, looking through annotations.
    @inlinable
    public var kind: ValueKind {
        switch self {
        case .boolean: .boolean
        case .double: .double
        case .integer: .signedInteger
        case .string: .string
        case .byteString: .byteString
        case .symbol: .symbol
        case .record: .record
        case .sequence: .sequence
        case .set: .set
        case .dictionary: .dictionary
        case .embedded: .embedded
        case .annotated(let a): a.value.kind
        }
    }

    /// Whether this value is an atom (Boolean, Double, SignedInteger, String, ByteString, Symbol).
    public var isAtom: Bool { kind <= .symbol }

    /// Whether this value is a compound (Record, Sequence, Set, Dictionary).
    public var isCompound: Bool { kind >= .record && kind <= .dictionary }
}

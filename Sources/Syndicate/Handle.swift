import Preserves
/// Names one assertion made by an actor, for retracting it later.
public struct Handle: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    static func fresh() -> Handle { Handle(rawValue: IDs.next()) }

    public static func < (a: Handle, b: Handle) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// Names a facet within its actor.
public struct FacetID: Hashable, Comparable, Sendable {
    public let rawValue: UInt64
    public static func < (a: FacetID, b: FacetID) -> Bool { a.rawValue < b.rawValue }
    static func fresh() -> FacetID { FacetID(rawValue: IDs.next()) }
}

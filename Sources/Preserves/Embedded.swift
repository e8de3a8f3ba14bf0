/// A type that can be embedded in a Preserves ``Value``.
///
/// The specification leaves the order among embedded values to the host domain, so embedded
/// types must be `Comparable` as well as `Hashable`. Equality must be consistent with the order.
public protocol PreservesEmbedded: Hashable, Comparable, Sendable {}

/// An embedded type that has a Preserves representation, so values embedding it can be read
/// from and written to the binary and text syntaxes without extra configuration.
public protocol PreservesEmbeddedCodable: PreservesEmbedded {
    /// Reconstructs the embedded value from the value that followed `#:` (or tag `0x86`).
    init(preservesRepresentation: Value<Self>) throws
    /// The value to write after `#:` (or tag `0x86`).
    var preservesRepresentation: Value<Self> { get }
}

/// `Never` embeds nothing: values of type `Value<Never>` contain no embedded values, and
/// reading `#:` into one fails.
extension Never: PreservesEmbedded {}

extension Never: PreservesEmbeddedCodable {
    public init(preservesRepresentation: Value<Never>) throws {
        throw EmbeddedNotSupportedError()
    }

    public var preservesRepresentation: Value<Never> {
        switch self {}
    }
}

/// Thrown when an embedded value is read into a `Value<Never>`.
public struct EmbeddedNotSupportedError: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "embedded values are not allowed here" }
}

/// The embedded type of plain data (``IOValue``): an embedded value kept as the value that
/// represents it. `#:[0 1]` reads as an `IOEmbedded` whose ``value`` is `[0 1]`.
public struct IOEmbedded: PreservesEmbeddedCodable, CustomStringConvertible {
    /// The representation of the embedded entity.
    public var value: IOValue

    public init(_ value: IOValue) { self.value = value }

    public init(preservesRepresentation: IOValue) { self.value = preservesRepresentation }

    public var preservesRepresentation: IOValue { value }

    public static func < (lhs: IOEmbedded, rhs: IOEmbedded) -> Bool { lhs.value < rhs.value }

    public var description: String { value.description }
}

extension Value: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension Value: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .integer(.small(value)) }
}

extension Value: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension Value: ExpressibleByStringLiteral {
    /// A string literal is a Preserves String; write `.symbol("name")` for a Symbol.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension Value: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Value...) { self = .sequence(elements) }
}

extension Value: ExpressibleByDictionaryLiteral {
    /// Later duplicates of a key replace earlier ones.
    public init(dictionaryLiteral elements: (Value, Value)...) {
        self = .dictionary(Dictionary(elements, uniquingKeysWith: { _, new in new }))
    }
}

extension Value {
    /// An integer value.
    @inlinable
    public static func integer(_ n: Int) -> Value { .integer(.small(n)) }

    /// A record whose label is the symbol `label`: `.record("point", 1, 2)` is `<point 1 2>`.
    public static func record(_ label: Symbol, _ fields: Value...) -> Value {
        .record(Record(label: .symbol(label), fields: fields))
    }

    /// A record whose label is the symbol `label`.
    public static func record(_ label: Symbol, fields: [Value]) -> Value {
        .record(Record(label: .symbol(label), fields: fields))
    }

    /// A record with any label.
    public static func record(label: Value, fields: [Value]) -> Value {
        .record(Record(label: label, fields: fields))
    }
}

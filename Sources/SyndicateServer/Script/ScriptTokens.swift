import Preserves

/// The values of a script or of a block, read one instruction word at a time.
struct ScriptTokens {
    private let items: [Value<Never>]
    private var index = 0

    init(_ items: [Value<Never>]) {
        self.items = items
    }

    /// Whether every value has been consumed.
    var atEnd: Bool { index >= items.count }

    /// The value `offset` places ahead, without consuming anything.
    func peek(_ offset: Int = 0) -> Value<Never>? {
        let i = index + offset
        return i < items.count ? items[i] : nil
    }

    /// Consumes and returns the next value.
    mutating func next() -> Value<Never>? {
        guard index < items.count else { return nil }
        defer { index += 1 }
        return items[index]
    }
}

extension Value where Embedded == Never {
    /// Whether this is the bare symbol `name`.
    func isSymbol(_ name: String) -> Bool {
        if case .symbol(let symbol) = unannotated { return symbol.name == name }
        return false
    }
}

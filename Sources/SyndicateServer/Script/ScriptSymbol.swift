import Preserves

/// What a symbol means inside a script template or pattern.
///
/// - `_` is a discard (patterns only);
/// - `?name` binds `name` (patterns only);
/// - `$name` is the value of the variable `name`, and `$.` a dictionary of every binding;
/// - `=text` is the literal symbol `text` (so `=_`, `=?x` and `=$x` can be written);
/// - any other symbol stands for itself.
enum ScriptSymbol: Equatable {
    case discard
    case binder(String)
    case reference(String)
    case allBindings
    case literal(Symbol)

    init(_ symbol: Symbol) {
        let name = symbol.name
        if name == "_" {
            self = .discard
        } else if name == "$." {
            self = .allBindings
        } else if name.count > 1, name.hasPrefix("$") {
            self = .reference(String(name.dropFirst()))
        } else if name.count > 1, name.hasPrefix("?") {
            self = .binder(String(name.dropFirst()))
        } else if name.count > 1, name.hasPrefix("=") {
            self = .literal(Symbol(String(name.dropFirst())))
        } else {
            self = .literal(symbol)
        }
    }

    /// The meaning of `value` if it is a symbol.
    init?(_ value: Value<Never>) {
        guard case .symbol(let symbol) = value.unannotated else { return nil }
        self.init(symbol)
    }
}

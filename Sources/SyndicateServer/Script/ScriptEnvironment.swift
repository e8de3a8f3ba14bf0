import Preserves
import Syndicate

/// The variables in scope while a script runs, and the file name errors are reported under.
///
/// Environments are values: an instruction that binds names (`let`, or a pattern match) makes
/// a new environment for what follows it, and handlers capture the environment they were
/// installed in.
struct ScriptEnvironment: Sendable {
    /// The script's file name, for error messages.
    var file: String
    /// Variable name → value.
    var bindings: [String: AnyValue]

    /// The value of `variable`, or an error at the reference if it is unbound.
    func lookup(_ variable: ScriptVariable) throws(ConfigScriptError) -> AnyValue {
        guard let value = bindings[variable.name] else {
            throw error(at: variable.position, "unbound variable $\(variable.name)")
        }
        return value
    }

    /// The capability named by `variable`, or an error if it is unbound or not a capability.
    func capability(_ variable: ScriptVariable) throws(ConfigScriptError) -> Ref {
        let value = try lookup(variable)
        guard case .embedded(let ref) = value.unannotated else {
            throw error(at: variable.position, "$\(variable.name) is not a capability: \(value)")
        }
        return ref
    }

    /// Every binding as a dictionary from symbols to values (the value of `$.`).
    var dictionary: AnyValue {
        .dictionary(Dictionary(uniqueKeysWithValues: bindings.map { (.symbol(Symbol($0.key)), $0.value) }))
    }

    /// This environment extended with `names` bound, in order, to `values`.
    func binding(_ names: [String], to values: [AnyValue]) -> ScriptEnvironment {
        var extended = self
        for (name, value) in zip(names, values) { extended.bindings[name] = value }
        return extended
    }

    /// A positioned error in this script.
    func error(at position: SourcePosition, _ message: String) -> ConfigScriptError {
        ConfigScriptError(file: file, at: position, message)
    }
}

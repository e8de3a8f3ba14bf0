import Preserves

/// A use of a variable in a script (`$name`, or an instruction's target), with where it was
/// written, so that an unbound name can be reported at the right place.
struct ScriptVariable: Sendable, Hashable {
    /// The variable's name, without the `$`.
    var name: String
    /// Where the reference was written.
    var position: SourcePosition
}

import Preserves
import Syndicate

/// One instruction of a parsed configuration script.
///
/// Targets are resolved by the parser: `$ds INSTR` is not an instruction of its own but sets
/// the target that the assertions, messages and observations inside `INSTR` use.
indirect enum ScriptInstruction: Sendable {
    /// `<record …>`, `{…}` or `+= VALUE`: assert the value at the target while the facet lives.
    case assert(target: ScriptVariable, ScriptTemplate, at: SourcePosition)
    /// `! VALUE`: send the value to the target.
    case message(target: ScriptVariable, ScriptTemplate, at: SourcePosition)
    /// `? PATTERN INSTR`: for each assertion at the target matching the pattern, run the body
    /// in a facet of its own, with the captures bound; retraction stops that facet.
    case during(target: ScriptVariable, ScriptPattern, body: ScriptInstruction, at: SourcePosition)
    /// `?? PATTERN INSTR`: for each message at the target matching the pattern, run the body
    /// in a new facet with the captures bound.
    case onMessage(target: ScriptVariable, ScriptPattern, body: ScriptInstruction, at: SourcePosition)
    /// `?- INSTR`: run the body when the current facet stops.
    case onStop(body: ScriptInstruction)
    /// `[INSTR …]`, and the script itself: run the instructions in order. A `let` binds for
    /// the rest of its sequence only.
    case sequence([ScriptInstruction])
    /// `let PATTERN = EXPR`: bind the pattern's captures for the rest of the sequence; an
    /// error if the value does not match.
    case bind(ScriptPattern, ScriptExpression, at: SourcePosition)
    /// `$var =~ PATTERN INSTR REST…`: if the variable's value matches, bind and run `INSTR`;
    /// otherwise run the rest of the block.
    case conditional(ScriptVariable, ScriptPattern, then: ScriptInstruction, otherwise: ScriptInstruction, at: SourcePosition)
}

/// The right-hand side of `let`.
indirect enum ScriptExpression: Sendable {
    /// A value built from a template.
    case template(ScriptTemplate)
    /// `dataspace`: a new dataspace in the current facet.
    case dataspace
    /// `timestamp`: the current time as an RFC 3339 string.
    case timestamp
    /// `facet`: a capability that stops the current facet when sent the message `stop`.
    case facet
    /// `scriptdir`: the directory holding the script's file, as a string.
    case scriptDirectory(String)
    /// `stringify EXPR`: the value's Preserves text, as a string.
    case stringify(ScriptExpression)
    /// `join SEP PIECES`: the pieces (a sequence) as text, separated by `SEP` (a string).
    /// Strings and symbols contribute their text, other values their Preserves text.
    case join(separator: ScriptExpression, pieces: ScriptExpression, at: SourcePosition)
    /// `<* $cap [CAVEAT …]>`: the capability attenuated by the caveats.
    case attenuate(ScriptTemplate, [ScriptCaveat], at: SourcePosition)
}

import Foundation
import Preserves
import SyndicateProtocols
import Syndicate

/// Runs parsed instructions in a turn.
///
/// Everything an instruction sets up (assertions, observers, stop actions) belongs to the
/// turn's current facet; `?` and `??` bodies run in facets of their own. Errors inside
/// handlers that run later (in `?`, `??` and `?-` bodies) fail the turn they run in.
enum ScriptInterpreter {
    /// Runs `instruction`; a `let` updates `environment` for the instructions after it.
    static func execute(_ instruction: ScriptInstruction, _ turn: Turn, _ environment: inout ScriptEnvironment) throws {
        switch instruction {
        case .assert(let target, let template, _):
            let ref = try environment.capability(target)
            turn.assert(ref, try template.instantiate(in: environment))

        case .message(let target, let template, _):
            let ref = try environment.capability(target)
            turn.message(ref, try template.instantiate(in: environment))

        case .during(let target, let pattern, let body, _):
            let ref = try environment.capability(target)
            let names = pattern.binderNames
            let captured = environment
            turn.during(ref, try pattern.dataspacePattern(in: environment)) { turn, captures in
                var local = captured.binding(names, to: captures)
                try execute(body, turn, &local)
            }

        case .onMessage(let target, let pattern, let body, _):
            let ref = try environment.capability(target)
            let names = pattern.binderNames
            let captured = environment
            turn.onMessage(ref, try pattern.dataspacePattern(in: environment)) { turn, captures in
                var local = captured.binding(names, to: captures)
                try turn.facet { turn in try execute(body, turn, &local) }
            }

        case .onStop(let body):
            let captured = environment
            turn.onStop { turn in
                var local = captured
                try execute(body, turn, &local)
            }

        case .sequence(let instructions):
            var local = environment
            for instruction in instructions { try execute(instruction, turn, &local) }

        case .bind(let pattern, let expression, let at):
            let value = try evaluate(expression, turn, environment)
            var captures: [AnyValue] = []
            guard try pattern.match(value, in: environment, captures: &captures) else {
                throw environment.error(at: at, "let: \(value) does not match the pattern")
            }
            environment = environment.binding(pattern.binderNames, to: captures)

        case .conditional(let variable, let pattern, let then, let otherwise, _):
            let value = try environment.lookup(variable)
            var captures: [AnyValue] = []
            if try pattern.match(value, in: environment, captures: &captures) {
                var local = environment.binding(pattern.binderNames, to: captures)
                try execute(then, turn, &local)
            } else {
                try execute(otherwise, turn, &environment)
            }
        }
    }

    /// The value of a `let` expression.
    static func evaluate(_ expression: ScriptExpression, _ turn: Turn, _ environment: ScriptEnvironment) throws -> AnyValue {
        switch expression {
        case .template(let template):
            return try template.instantiate(in: environment)
        case .dataspace:
            return .embedded(turn.createDataspace())
        case .timestamp:
            return .string(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        case .facet:
            return .embedded(turn.ref(FacetStopperEntity(facet: turn.activeFacet)))
        case .scriptDirectory(let directory):
            return .string(directory)
        case .stringify(let inner):
            return .string(String(describing: try evaluate(inner, turn, environment).stripped))
        case .join(let separatorExpression, let piecesExpression, let at):
            let separator = try evaluate(separatorExpression, turn, environment)
            let pieces = try evaluate(piecesExpression, turn, environment)
            guard case .string(let text) = separator.unannotated else {
                throw environment.error(at: at, "join: the separator must be a string, not \(separator)")
            }
            guard case .sequence(let items) = pieces.unannotated else {
                throw environment.error(at: at, "join: the pieces must be a sequence, not \(pieces)")
            }
            return .string(items.map(Self.text).joined(separator: text))
        case .attenuate(let capability, let caveats, let at):
            let value = try capability.instantiate(in: environment)
            guard case .embedded(let ref) = value.unannotated else {
                throw environment.error(at: at, "attenuation: \(value) is not a capability")
            }
            var sturdy: [Sturdy.Caveat<Ref>] = []
            for caveat in caveats { sturdy.append(try caveat.sturdyCaveat(in: environment)) }
            return .embedded(ref.attenuated(by: sturdy))
        }
    }

    /// A piece of a `join`: strings and symbols as their text, anything else as Preserves text.
    private static func text(_ value: AnyValue) -> String {
        switch value.unannotated {
        case .string(let s): s
        case .symbol(let s): s.name
        default: String(describing: value.stripped)
        }
    }
}

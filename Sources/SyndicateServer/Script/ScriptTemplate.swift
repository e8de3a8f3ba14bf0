import Preserves
import Syndicate

/// A value to build when the script runs: literal data with variable references (`$name`)
/// and `$.` (all bindings) in it.
///
/// The parser folds subtrees without references into ``literal(_:)``, so instantiating a
/// constant template costs nothing.
indirect enum ScriptTemplate: Sendable {
    /// A constant.
    case literal(AnyValue)
    /// `$name`: the variable's value.
    case variable(ScriptVariable)
    /// `$.`: a dictionary of every binding in scope (symbol keys).
    case allBindings
    /// A record; its label is a template too.
    case record(label: ScriptTemplate, fields: [ScriptTemplate])
    case sequence([ScriptTemplate])
    case set([ScriptTemplate])
    case dictionary([(key: ScriptTemplate, value: ScriptTemplate)])

    /// The constant this template always produces, if it has no references.
    var constant: AnyValue? {
        if case .literal(let value) = self { return value }
        return nil
    }

    /// Builds the value, looking variables up in `environment`.
    func instantiate(in environment: ScriptEnvironment) throws(ConfigScriptError) -> AnyValue {
        switch self {
        case .literal(let value):
            return value
        case .variable(let variable):
            return try environment.lookup(variable)
        case .allBindings:
            return environment.dictionary
        case .record(let label, let fields):
            var items: [AnyValue] = []
            items.reserveCapacity(fields.count)
            for field in fields { items.append(try field.instantiate(in: environment)) }
            return .record(Record(label: try label.instantiate(in: environment), fields: items))
        case .sequence(let items):
            var out: [AnyValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try item.instantiate(in: environment)) }
            return .sequence(out)
        case .set(let items):
            var out = Set<AnyValue>()
            for item in items { out.insert(try item.instantiate(in: environment)) }
            return .set(out)
        case .dictionary(let entries):
            var out: [AnyValue: AnyValue] = [:]
            for entry in entries {
                out[try entry.key.instantiate(in: environment)] = try entry.value.instantiate(in: environment)
            }
            return .dictionary(out)
        }
    }

    /// The template with constant subtrees folded into literals.
    static func folded(_ template: ScriptTemplate) -> ScriptTemplate {
        switch template {
        case .literal, .variable, .allBindings:
            return template
        case .record(let label, let fields):
            guard let l = label.constant else { return template }
            let values = fields.compactMap(\.constant)
            return values.count == fields.count ? .literal(.record(Record(label: l, fields: values))) : template
        case .sequence(let items):
            let values = items.compactMap(\.constant)
            return values.count == items.count ? .literal(.sequence(values)) : template
        case .set(let items):
            let values = items.compactMap(\.constant)
            return values.count == items.count ? .literal(.set(Set(values))) : template
        case .dictionary(let entries):
            var out: [AnyValue: AnyValue] = [:]
            for entry in entries {
                guard let k = entry.key.constant, let v = entry.value.constant else { return template }
                out[k] = v
            }
            return .literal(.dictionary(out))
        }
    }
}

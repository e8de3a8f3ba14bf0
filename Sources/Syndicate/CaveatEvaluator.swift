import Preserves
import SyndicateProtocols

/// The semantics of sturdy-ref caveats: patterns that match values exactly (records and
/// sequences by arity, dictionaries by the keys they name) and templates that rebuild values
/// from what a pattern bound.
enum CaveatEvaluator {
    /// `value` after one caveat, or `nil` if the caveat rejects it.
    static func apply(_ caveat: Sturdy.Caveat<Ref>, to value: AnyValue) -> AnyValue? {
        switch caveat {
        case .rewrite(let rewrite):
            return self.rewrite(rewrite, value)
        case .alts(let alts):
            for alternative in alts.alternatives {
                if let result = self.rewrite(alternative, value) { return result }
            }
            return nil
        case .reject(let reject):
            var bindings: [AnyValue] = []
            return matches(reject.pattern, value, &bindings) ? nil : value
        case .unknown:
            // A caveat this runtime does not understand rejects everything.
            return nil
        }
    }

    static func rewrite(_ rewrite: Sturdy.Rewrite<Ref>, _ value: AnyValue) -> AnyValue? {
        var bindings: [AnyValue] = []
        guard matches(rewrite.pattern, value, &bindings) else { return nil }
        return instantiate(rewrite.template, bindings)
    }

    /// Whether `pattern` matches `value`; `bind` patterns append what they match, in order.
    static func matches(_ pattern: Sturdy.Pattern<Ref>, _ value: AnyValue, _ bindings: inout [AnyValue]) -> Bool {
        let v = value.unannotated
        switch pattern {
        case .pDiscard:
            return true
        case .pAtom(let kind):
            switch (kind, v) {
            case (.boolean, .boolean), (.double, .double), (.signedInteger, .integer), (.string, .string),
                (.byteString, .byteString), (.symbol, .symbol):
                return true
            default:
                return false
            }
        case .pEmbedded:
            if case .embedded = v { return true }
            return false
        case .pBind(let bind):
            bindings.append(value)
            return matches(bind.pattern, value, &bindings)
        case .pAnd(let and):
            return and.patterns.allSatisfy { matches($0, value, &bindings) }
        case .pNot(let not):
            var scratch: [AnyValue] = []
            return !matches(not.pattern, value, &scratch)
        case .lit(let lit):
            return v == lit.value
        case .pCompound(.rec(let label, let fields)):
            guard case .record(let r) = v, r.label == label, r.fields.count == fields.count else { return false }
            return zip(fields, r.fields).allSatisfy { matches($0, $1, &bindings) }
        case .pCompound(.arr(let items)):
            guard case .sequence(let s) = v, s.count == items.count else { return false }
            return zip(items, s).allSatisfy { matches($0, $1, &bindings) }
        case .pCompound(.dict(let entries)):
            guard case .dictionary(let d) = v else { return false }
            for (key, p) in entries.sorted(by: { $0.key < $1.key }) {
                guard let item = d[key], matches(p, item, &bindings) else { return false }
            }
            return true
        }
    }

    /// The value `template` describes, or `nil` if it refers to a missing binding or
    /// attenuates something that is not a reference.
    static func instantiate(_ template: Sturdy.Template<Ref>, _ bindings: [AnyValue]) -> AnyValue? {
        switch template {
        case .tAttenuate(let t):
            guard let inner = instantiate(t.template, bindings), case .embedded(let ref) = inner.unannotated else { return nil }
            return .embedded(ref.attenuated(by: t.attenuation))
        case .tRef(let r):
            guard let i = r.binding.int, i >= 0, i < bindings.count else { return nil }
            return bindings[i]
        case .lit(let lit):
            return lit.value
        case .tCompound(.rec(let label, let fields)):
            var items: [AnyValue] = []
            for f in fields {
                guard let x = instantiate(f, bindings) else { return nil }
                items.append(x)
            }
            return .record(Record(label: label, fields: items))
        case .tCompound(.arr(let items)):
            var out: [AnyValue] = []
            for t in items {
                guard let x = instantiate(t, bindings) else { return nil }
                out.append(x)
            }
            return .sequence(out)
        case .tCompound(.dict(let entries)):
            var out: [AnyValue: AnyValue] = [:]
            for (k, t) in entries {
                guard let x = instantiate(t, bindings) else { return nil }
                out[k] = x
            }
            return .dictionary(out)
        }
    }
}

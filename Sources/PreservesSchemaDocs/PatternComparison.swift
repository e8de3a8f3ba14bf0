import Preserves
import PreservesSchema

/// Compares the old and new form of one definition part by part and judges each difference's
/// effect on the wire (see ``SchemaChangeReport`` for what counts as incompatible).
struct PatternComparison {
    let oldPrinter: SchemaSourcePrinter
    let newPrinter: SchemaSourcePrinter
    private(set) var differences: [SchemaDifference] = []

    init(oldModule: Schema.ModulePath, newModule: Schema.ModulePath) {
        oldPrinter = SchemaSourcePrinter(module: oldModule)
        newPrinter = SchemaSourcePrinter(module: newModule)
    }

    mutating func record(
        _ location: [String], _ kind: SchemaDifference.Kind, old: String?, new: String?, incompatible: Bool, note: String? = nil
    ) {
        differences.append(SchemaDifference(location: location, kind: kind, old: old, new: new, isWireIncompatible: incompatible, note: note))
    }

    // MARK: Definitions

    mutating func compare(_ old: Schema.Definition, _ new: Schema.Definition) {
        switch (old, new) {
        case (.or(let a0, let a1, let aRest), .or(let b0, let b1, let bRest)):
            compareAlternatives([a0, a1] + aRest, [b0, b1] + bRest)
        case (.and(let a0, let a1, let aRest), .and(let b0, let b1, let bRest)):
            let oldParts = [a0, a1] + aRest
            let newParts = [b0, b1] + bRest
            if oldParts.count != newParts.count {
                record(["intersection"], .changed, old: Self.count(oldParts.count, "part"), new: Self.count(newParts.count, "part"),
                       incompatible: true)
            }
            for (i, (x, y)) in zip(oldParts, newParts).enumerated() {
                compare(x, y, at: ["part \(i + 1)"])
            }
        case (.pattern(let x), .pattern(let y)):
            compare(x, y, at: [])
        default:
            record([], .changed, old: oldPrinter.body(old).description, new: newPrinter.body(new).description,
                   incompatible: true, note: "now \(Self.kind(new)), was \(Self.kind(old))")
        }
    }

    /// `1 field`, `4 fields`.
    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    static func kind(_ d: Schema.Definition) -> String {
        switch d {
        case .or: "alternatives"
        case .and: "an intersection"
        case .pattern: "a single pattern"
        }
    }

    mutating func compareAlternatives(_ old: [Schema.NamedAlternative], _ new: [Schema.NamedAlternative]) {
        let oldLabels = old.map(\.variantLabel)
        let newLabels = new.map(\.variantLabel)
        for alternative in old where !newLabels.contains(alternative.variantLabel) {
            let text = oldPrinter.pattern(alternative.pattern).description
            let isJustTheLabel = text == alternative.variantLabel || text == "=" + alternative.variantLabel
            record(["alternative \(alternative.variantLabel)"], .removed, old: isJustTheLabel ? nil : text,
                   new: nil, incompatible: true, note: "new peers reject its values")
        }
        for alternative in new where !oldLabels.contains(alternative.variantLabel) {
            record(["alternative \(alternative.variantLabel)"], .added, old: nil, new: newPrinter.pattern(alternative.pattern).description,
                   incompatible: false, note: "old peers reject its values")
        }
        for alternative in old {
            guard let counterpart = new.first(where: { $0.variantLabel == alternative.variantLabel }) else { continue }
            compare(alternative.pattern, counterpart.pattern, at: ["alternative \(alternative.variantLabel)"])
        }
        let commonOld = oldLabels.filter(newLabels.contains)
        let commonNew = newLabels.filter(oldLabels.contains)
        if commonOld != commonNew {
            record(["alternatives"], .changed, old: commonOld.joined(separator: " / "), new: commonNew.joined(separator: " / "),
                   incompatible: false, note: "reordered: values matching several alternatives may be read differently")
        }
    }

    // MARK: Patterns

    mutating func compare(_ old: Schema.Pattern, _ new: Schema.Pattern, at location: [String]) {
        switch (old, new) {
        case (.simplePattern(let x), .simplePattern(let y)):
            compare(x, y, at: location)
        case (.compoundPattern(let x), .compoundPattern(let y)):
            compare(x, y, at: location)
        default:
            if new == .simplePattern(.any) {
                record(location, .changed, old: oldPrinter.pattern(old).description, new: "any", incompatible: false,
                       note: "widened: every value is accepted")
            } else {
                record(location, .changed, old: oldPrinter.pattern(old).description, new: newPrinter.pattern(new).description,
                       incompatible: true)
            }
        }
    }

    /// Whether two simple patterns are the same once references are resolved.
    func same(_ old: Schema.SimplePattern, _ new: Schema.SimplePattern) -> Bool {
        switch (old, new) {
        case (.ref(let a), .ref(let b)):
            return resolve(a, oldPrinter.module) == resolve(b, newPrinter.module)
        case (.embedded(let a), .embedded(let b)), (.seqof(let a), .seqof(let b)), (.setof(let a), .setof(let b)):
            return same(a, b)
        case (.dictof(let ak, let av), .dictof(let bk, let bv)):
            return same(ak, bk) && same(av, bv)
        default:
            return old == new
        }
    }

    func resolve(_ ref: Schema.Ref, _ module: Schema.ModulePath) -> Schema.Ref {
        Schema.Ref(module: ref.module.isEmpty ? module : ref.module, name: ref.name)
    }

    mutating func compare(_ old: Schema.SimplePattern, _ new: Schema.SimplePattern, at location: [String]) {
        guard !same(old, new) else { return }
        let oldText = oldPrinter.simplePattern(old).description
        let newText = newPrinter.simplePattern(new).description
        switch (old, new) {
        case (_, .any):
            record(location, .changed, old: oldText, new: newText, incompatible: false, note: "widened: every value is accepted")
        case (.embedded, .embedded(.any)):
            record(location, .changed, old: oldText, new: newText, incompatible: false, note: "widened: any capability is accepted")
        case (.embedded, .embedded):
            record(location, .changed, old: oldText, new: newText, incompatible: true,
                   note: "the capability now expects different values")
        default:
            record(location, .changed, old: oldText, new: newText, incompatible: true)
        }
    }

    mutating func compare(_ old: Schema.CompoundPattern, _ new: Schema.CompoundPattern, at location: [String]) {
        switch (old, new) {
        case (.rec(let oldLabel, let oldFields), .rec(let newLabel, let newFields)):
            if case .anonymous(.simplePattern(.lit(let a))) = oldLabel, case .anonymous(.simplePattern(.lit(let b))) = newLabel {
                if a != b {
                    record(location + ["record label"], .changed, old: a.description, new: b.description, incompatible: true)
                }
            } else {
                compare(oldLabel, newLabel, at: location + ["record label"])
            }
            compareElements(oldFields, newFields, at: location)
        case (.tuple(let a), .tuple(let b)):
            compareSequence(a, b, at: location)
        case (.tuplePrefix(let a, let aTail), .tuplePrefix(let b, let bTail)):
            compareSequence(a, b, at: location)
            compare(aTail, bTail, at: location + ["repeated tail"])
        case (.dict(let a), .dict(let b)):
            compareDictionaries(a, b, at: location)
        default:
            record(location, .changed, old: oldPrinter.pattern(.compoundPattern(old)).description,
                   new: newPrinter.pattern(.compoundPattern(new)).description, incompatible: true)
        }
    }

    /// A record's fields: compared as a sequence when both are tuples (the usual case).
    mutating func compareElements(_ old: Schema.NamedPattern, _ new: Schema.NamedPattern, at location: [String]) {
        switch (old, new) {
        case (.anonymous(.compoundPattern(let a)), .anonymous(.compoundPattern(let b))):
            compare(a, b, at: location)
        default:
            compare(old, new, at: location + ["fields"])
        }
    }

    static func bindingName(_ p: Schema.NamedPattern) -> Symbol? {
        if case .named(let b) = p { return b.name }
        return nil
    }

    mutating func compareSequence(_ old: [Schema.NamedPattern], _ new: [Schema.NamedPattern], at location: [String]) {
        if old.count == new.count {
            for (i, (x, y)) in zip(old, new).enumerated() {
                comparePosition(i, x, y, at: location)
            }
            return
        }
        record(location + ["arity"], .changed, old: Self.count(old.count, "field"), new: Self.count(new.count, "field"), incompatible: true)
        let oldNames = old.compactMap(Self.bindingName)
        for (i, p) in old.enumerated() {
            guard let name = Self.bindingName(p) else { continue }
            if let j = new.firstIndex(where: { Self.bindingName($0) == name }) {
                compare(p, new[j], at: location + ["field \(name.name)"])
            } else {
                record(location + ["field \(name.name)"], .removed, old: oldPrinter.pattern(Self.pattern(p)).description,
                       new: nil, incompatible: true, note: "it was at position \(i + 1)")
            }
        }
        for (j, p) in new.enumerated() {
            guard let name = Self.bindingName(p), !oldNames.contains(name) else { continue }
            record(location + ["field \(name.name)"], .added, old: nil, new: newPrinter.pattern(Self.pattern(p)).description,
                   incompatible: true, note: "at position \(j + 1)")
        }
    }

    mutating func comparePosition(_ index: Int, _ old: Schema.NamedPattern, _ new: Schema.NamedPattern, at location: [String]) {
        let oldName = Self.bindingName(old)
        let newName = Self.bindingName(new)
        let place = location + [newName.map { "field \($0.name)" } ?? oldName.map { "field \($0.name)" } ?? "position \(index + 1)"]
        if oldName != newName {
            record(place, .changed, old: oldName.map { "@\($0.name)" } ?? "(unnamed)", new: newName.map { "@\($0.name)" } ?? "(unnamed)",
                   incompatible: false, note: "binding renamed; the encoding is unchanged")
        }
        compare(Self.pattern(old), Self.pattern(new), at: place)
    }

    static func pattern(_ p: Schema.NamedPattern) -> Schema.Pattern {
        switch p {
        case .named(let b): .simplePattern(b.pattern)
        case .anonymous(let p): p
        }
    }

    static func pattern(_ p: Schema.NamedSimplePattern) -> Schema.SimplePattern {
        switch p {
        case .named(let b): b.pattern
        case .anonymous(let p): p
        }
    }

    mutating func compare(_ old: Schema.NamedPattern, _ new: Schema.NamedPattern, at location: [String]) {
        compare(Self.pattern(old), Self.pattern(new), at: location)
    }

    mutating func compare(_ old: Schema.NamedSimplePattern, _ new: Schema.NamedSimplePattern, at location: [String]) {
        compare(Self.pattern(old), Self.pattern(new), at: location)
    }

    mutating func compareDictionaries(_ old: Schema.DictionaryEntries, _ new: Schema.DictionaryEntries, at location: [String]) {
        for key in old.keys.sorted() where new[key] == nil {
            record(location + ["key \(key)"], .removed, old: oldPrinter.simplePattern(Self.pattern(old[key]!)).description, new: nil,
                   incompatible: true, note: "old peers require it")
        }
        for key in new.keys.sorted() where old[key] == nil {
            record(location + ["key \(key)"], .added, old: nil, new: newPrinter.simplePattern(Self.pattern(new[key]!)).description,
                   incompatible: true, note: "values without it are rejected")
        }
        for key in old.keys.sorted() {
            guard let counterpart = new[key] else { continue }
            compare(old[key]!, counterpart, at: location + ["key \(key)"])
        }
    }
}

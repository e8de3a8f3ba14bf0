import Preserves
import PreservesSchema
import TestSupport


/// Generates random values that match a schema definition, by interpreting the metaschema.
///
/// Used to test generated types: every value generated for a definition must parse into the
/// definition's Swift type and serialize back to an equal value.
struct SchemaValueGenerator {
    let bundle: Schema.Bundle
    var rng: SplitMix64
    /// Beyond this depth, alternatives are chosen to end recursion as soon as possible.
    let depthBudget = 4
    /// The least nesting needed to build a value of each definition.
    private var cost: [Schema.ModulePath: [Symbol: Int]] = [:]

    init(bundle: Schema.Bundle, seed: UInt64) {
        self.bundle = bundle
        self.rng = SplitMix64(seed: seed)
        computeCosts()
    }

    mutating func value(module: Schema.ModulePath, name: Symbol, depth: Int = 0) -> IOValue {
        let definition = bundle.modules[module]!.definitions[name]!
        switch definition {
        case .or(let a, let b, let rest):
            let alternatives = [a, b] + rest
            let chosen: Schema.NamedAlternative
            if depth > depthBudget {
                chosen = alternatives.min { cost($0.pattern, module) < cost($1.pattern, module) }!
            } else {
                chosen = alternatives[Int.random(in: 0..<alternatives.count, using: &rng)]
            }
            return value(chosen.pattern, module, depth + 1)
        case .and(let a, let b, let rest):
            return SchemaParsing.merge(([a, b] + rest).map { value($0, module, depth + 1) })
        case .pattern(let p):
            return value(p, module, depth + 1)
        }
    }

    mutating func value(_ p: Schema.Pattern, _ module: Schema.ModulePath, _ depth: Int) -> IOValue {
        switch p {
        case .simplePattern(let s): value(s, module, depth)
        case .compoundPattern(let c): value(c, module, depth)
        }
    }

    mutating func count(_ depth: Int) -> Int { depth > depthBudget ? 0 : Int.random(in: 0...3, using: &rng) }

    mutating func value(_ p: Schema.SimplePattern, _ module: Schema.ModulePath, _ depth: Int) -> IOValue {
        switch p {
        case .any: return anyValue(depth)
        case .atom(let kind): return atom(kind)
        case .embedded: return .embedded(IOEmbedded(anyValue(depth + 1)))
        case .lit(let v): return v.mapEmbedded { (n: Never) -> IOEmbedded in }
        case .seqof(let e): return .sequence((0..<count(depth)).map { _ in value(e, module, depth + 1) })
        case .setof(let e): return .set(Set((0..<count(depth)).map { _ in value(e, module, depth + 1) }))
        case .dictof(let k, let v):
            var d: [IOValue: IOValue] = [:]
            for _ in 0..<count(depth) { d[value(k, module, depth + 1)] = value(v, module, depth + 1) }
            return .dictionary(d)
        case .ref(let r):
            return value(module: r.module.isEmpty ? module : r.module, name: r.name, depth: depth + 1)
        }
    }

    mutating func value(_ p: Schema.CompoundPattern, _ module: Schema.ModulePath, _ depth: Int) -> IOValue {
        switch p {
        case .rec(let label, let fields):
            return .record(Record(label: value(label, module, depth), fields: value(fields, module, depth).sequence ?? []))
        case .tuple(let items):
            return .sequence(items.map { value($0, module, depth + 1) })
        case .tuplePrefix(let fixed, let variable):
            let tail = value(variable, module, depth).sequence ?? []
            return .sequence(fixed.map { value($0, module, depth + 1) } + tail)
        case .dict(let entries):
            var d: [IOValue: IOValue] = [:]
            for (k, v) in entries.sorted(by: { $0.key < $1.key }) {
                d[k.mapEmbedded { (n: Never) -> IOEmbedded in }] = value(v, module, depth + 1)
            }
            return .dictionary(d)
        }
    }

    mutating func value(_ p: Schema.NamedPattern, _ module: Schema.ModulePath, _ depth: Int) -> IOValue {
        switch p {
        case .named(let b): value(b.pattern, module, depth)
        case .anonymous(let p): value(p, module, depth)
        }
    }

    mutating func value(_ p: Schema.NamedSimplePattern, _ module: Schema.ModulePath, _ depth: Int) -> IOValue {
        switch p {
        case .named(let b): value(b.pattern, module, depth)
        case .anonymous(let s): value(s, module, depth)
        }
    }

    mutating func atom(_ kind: Schema.AtomKind) -> IOValue {
        switch kind {
        case .boolean: return .boolean(Bool.random(using: &rng))
        case .double: return .double(Double(bitPattern: rng.next()))
        case .signedInteger:
            return Bool.random(using: &rng)
                ? .integer(SignedInteger(Int.random(in: -1000...1000, using: &rng)))
                : .integer(SignedInteger(decimal: String(rng.next()) + String(rng.next()))!)
        case .string: return .string("s\(rng.next() % 1000)é")
        case .byteString: return .byteString((0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case .symbol: return .symbol(Symbol("sym\(rng.next() % 100_000)"))
        }
    }

    /// A random value: atoms, and (while depth allows) small compounds and embedded values.
    mutating func anyValue(_ depth: Int) -> IOValue {
        let choice = Int.random(in: 0..<(depth > depthBudget ? 6 : 11), using: &rng)
        switch choice {
        case 0: return atom(.boolean)
        case 1: return atom(.double)
        case 2: return atom(.signedInteger)
        case 3: return atom(.string)
        case 4: return atom(.byteString)
        case 5: return atom(.symbol)
        case 6: return .record(Record(label: atom(.symbol), fields: (0..<count(depth)).map { _ in anyValue(depth + 1) }))
        case 7: return .sequence((0..<count(depth)).map { _ in anyValue(depth + 1) })
        case 8: return .set(Set((0..<count(depth)).map { _ in anyValue(depth + 1) }))
        case 9:
            var d: [IOValue: IOValue] = [:]
            for _ in 0..<count(depth) { d[atom(.symbol)] = anyValue(depth + 1) }
            return .dictionary(d)
        default: return .embedded(IOEmbedded(anyValue(depth + 1)))
        }
    }

    // MARK: Costs

    func cost(_ p: Schema.Pattern, _ module: Schema.ModulePath) -> Int {
        switch p {
        case .simplePattern(let s): cost(s, module)
        case .compoundPattern(let c): cost(c, module)
        }
    }

    func cost(_ s: Schema.SimplePattern, _ module: Schema.ModulePath) -> Int {
        switch s {
        case .any, .atom, .lit, .embedded, .seqof, .setof, .dictof: 1
        case .ref(let r): 1 + (cost[r.module.isEmpty ? module : r.module]?[r.name] ?? 1000)
        }
    }

    func cost(_ c: Schema.CompoundPattern, _ module: Schema.ModulePath) -> Int {
        func named(_ p: Schema.NamedPattern) -> Int {
            switch p {
            case .named(let b): cost(b.pattern, module)
            case .anonymous(let p): cost(p, module)
            }
        }
        func namedSimple(_ p: Schema.NamedSimplePattern) -> Int {
            switch p {
            case .named(let b): cost(b.pattern, module)
            case .anonymous(let s): cost(s, module)
            }
        }
        switch c {
        case .rec(let l, let f): return 1 + max(named(l), named(f))
        case .tuple(let items): return 1 + (items.map(named).max() ?? 0)
        case .tuplePrefix(let fixed, let v): return 1 + max(fixed.map(named).max() ?? 0, namedSimple(v))
        case .dict(let entries): return 1 + (entries.values.map(namedSimple).max() ?? 0)
        }
    }

    mutating func computeCosts() {
        var changed = true
        while changed {
            changed = false
            for (path, schema) in bundle.modules {
                for (name, d) in schema.definitions {
                    let c: Int
                    switch d {
                    case .or(let a, let b, let rest): c = ([a, b] + rest).map { cost($0.pattern, path) }.min()!
                    case .and(let a, let b, let rest):
                        c = ([a, b] + rest).map { p -> Int in
                            switch p {
                            case .named(let bnd): cost(bnd.pattern, path)
                            case .anonymous(let p): cost(p, path)
                            }
                        }.max()!
                    case .pattern(let p): c = cost(p, path)
                    }
                    if c < (cost[path]?[name] ?? Int.max) {
                        cost[path, default: [:]][name] = c
                        changed = true
                    }
                }
            }
        }
    }
}

import FixtureSchemas
import PlainSchemas
import Preserves
import SyndicateProtocols

// Parses text values into the generated types and back, checking every pattern form.
var failures: [String] = []
var checks = 0

@MainActor func check<T: SchemaRepresentable>(_ type: T.Type, _ text: String, line: Int = #line) where T.Embedded == IOEmbedded {
    checks += 1
    do {
        let value = try IOValue(text: text)
        let parsed = try T(preserves: value)
        let back = parsed.preserves
        if back != value { failures.append("line \(line): \(T.self) round trip gave \(back), not \(value)") }
        let binary = BinaryWriter<IOEmbedded>().encode(back)
        if try T(preserves: try IOValue(binary: binary)) != parsed { failures.append("line \(line): binary round trip of \(T.self) differs") }
    } catch {
        failures.append("line \(line): \(T.self) failed on \(text): \(error)")
    }
}

@MainActor func checkPlain<T: SchemaPlainRepresentable>(_ type: T.Type, _ text: String, line: Int = #line) {
    checks += 1
    do {
        let value = try IOValue(text: text)
        let parsed = try T(preserves: value)
        if parsed.preserves != value { failures.append("line \(line): \(T.self) round trip gave \(parsed.preserves), not \(value)") }
    } catch {
        failures.append("line \(line): \(T.self) failed on \(text): \(error)")
    }
}

@MainActor func checkRejects<T: SchemaRepresentable>(_ type: T.Type, _ text: String, line: Int = #line) where T.Embedded == IOEmbedded {
    checks += 1
    if let value = try? IOValue(text: text), (try? T(preserves: value)) != nil {
        failures.append("line \(line): \(T.self) accepted \(text)")
    }
}

typealias A = Allpatterns

checkPlain(A.Atoms.self, #"<atoms #t 1.5 -7 "s" #"y" sym>"#)
check(A.AnyAndEmbedded<IOEmbedded>.self, "<ae [1 {a: 2}] #:<cap> #:3>")
checkPlain(A.Literals.self, #"<lits sym 1 "str" #"bytes" 1.5 #t 9>"#)
checkPlain(A.CompoundLiteral.self, "[1 [2 3] {a: b}]")
checkPlain(A.Collections.self, #"<colls [1 2 3] #{"a" "b"} {k: <atoms #f 0.0 0 "" #"" x>}>"#)
checkPlain(A.Tuple.self, #"[1 "two"]"#)
checkPlain(A.TuplePrefix.self, #"[1 "a" "b" "c"]"#)
checkPlain(A.TuplePrefix.self, "[1]")
checkPlain(A.RecordPrefix.self, #"<rp 1 <atoms #t 1.0 1 "" #"" s> <atoms #f 2.0 2 "x" #"z" t>>"#)
check(A.GeneralRecord<IOEmbedded>.self, "<anything 1 2 3>")
checkPlain(A.LabelledRecord.self, #"<7 "only">"#)
checkPlain(A.Dict.self, #"{name: "n" "age": 30 3: #t}"#)
for text in ["5", "none", "<pair 1 2>", #"[1 "x"]"#, #"["a" "b"]"#, "#f"] { checkPlain(A.Alternatives.self, text) }
check(A.Intersection<IOEmbedded>.self, "{kind: k extra: [1 2] id: 3}")
check(A.Intersection<IOEmbedded>.self, "{kind: k id: 3}")
check(A.Intersection<IOEmbedded>.self, "{kind: k extra: notalist id: 3}")
checkPlain(A.Tree.self, "<node <leaf 1> <node <leaf 2> <leaf 3>>>")
checkPlain(A.Keywords.self, #"<kw 1 "c" #t p>"#)
checkPlain(A.Nested.self, "<nested <thing 4 <unit>>>")
check(A.UsesProtocol<IOEmbedded>.self, "<wire [[0 <A <x> 1>] [0 <R 1>]]>")
check(A.UsesProtocolModules<IOEmbedded>.self, #"<uses <lit 1> <ref {oid: "x" sig: #x"00"}> <resolve <ref {oid: "x" sig: #x"00"}> #:"observer"> <anything>>"#)
checkPlain(A.Unit.self, "<unit>")
checkPlain(A.LiteralDefinition.self, "marker")
checkPlain(NestedInner.Thing.self, "<thing 1 <unit>>")
checkRejects(A.AnyAndEmbedded<IOEmbedded>.self, "<ae 1 2 3>")
checkRejects(A.Intersection<IOEmbedded>.self, "{kind: k}")

// Aliases, keyword-escaped fields and typed access.
checks += 1
let tree: A.Tree = .node(left: .leaf(value: 1), right: .leaf(value: 2))
let keywords = A.Keywords(default: 1, class: "c", self_: true, preserves_: "p")
let alias: A.SeqOfAlias = [A.Atoms(b: true, d: 0, i: 1, s: "", y: [], sym: "q")]
if A.serializeSeqOfAlias(alias, as: IOEmbedded.self).sequence?.count != 1 || keywords.default != 1 || tree == .leaf(value: 0) {
    failures.append("typed values misbehave")
}
// Errors name the definition and where matching failed.
checks += 1
do {
    _ = try A.Collections(preserves: try IOValue(text: #"<colls [1 x] #{} {}>"#))
    failures.append("bad Collections parsed")
} catch {
    let text = "\(error)"
    if !text.contains("allpatterns.Collections") || !text.contains(".fields[0][1]") { failures.append("unhelpful error: \(text)") }
}

// A target that cannot see SyndicateProtocols gets its types without patterns.
checkPlain(Plain.Point.self, "<point 1 2>")

// Generated patterns with a real dataspace: a nested literal constraint, typed decoding.
checks += 1
failures += dataspaceCheck()

if failures.isEmpty {
    print("plugin fixture: \(checks) checks passed")
} else {
    for f in failures { print("FAILED \(f)") }
    print("plugin fixture: \(failures.count) of \(checks) checks failed")
    exit(1)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

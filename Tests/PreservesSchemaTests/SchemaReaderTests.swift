import Preserves
import PreservesSchema
import Testing
import TestSupport

@Suite struct SchemaReaderTests {
    func read(_ text: String, file: String = "test.prs") throws(SchemaError) -> SchemaModule {
        try SchemaReader().read(text, file: file, modulePath: [Symbol("test")])
    }

    func expectError(_ text: String, kind: SchemaError.Kind, line: Int, column: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let m = try read(text)
            try SchemaChecker().check([m])
            Issue.record("expected a \(kind) error", sourceLocation: sourceLocation)
        } catch let error as SchemaError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.position?.line == line && error.position?.column == column, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("test.prs:\(line):\(column): error:"), sourceLocation: sourceLocation)
        } catch let errors as SchemaErrors {
            let error = errors.errors[0]
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.position?.line == line && error.position?.column == column, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func errorsNameFileLineAndColumn() {
        expectError("version 1 .\nA = <a @x int\n", kind: .syntax, line: 3, column: 1)
        expectError("version 1 .\nA = int .\n  A = string .", kind: .duplicateDefinition, line: 3, column: 3)
        expectError("version 2 .", kind: .badVersion, line: 1, column: 9)
        expectError("A = int .", kind: .badVersion, line: 1, column: 1)
        expectError("version 1 .\nA = <a @x Missing> .", kind: .unknownReference, line: 2, column: 11)
        expectError("version 1 .\nA = <a @x nowhere.B> .", kind: .unknownReference, line: 2, column: 11)
        expectError("version 1 .\nA = <a @x int @x string> .", kind: .duplicateBinding, line: 2, column: 1)
        expectError("version 1 .\nA = int / string .", kind: .invalidPattern, line: 2, column: 5)
        expectError("version 1 .\nA = <a int> .", kind: .invalidPattern, line: 2, column: 1)
    }

    @Test func readsEveryPatternForm() throws {
        let m = try read("""
            version 1 .
            embeddedType EntityRef.Cap .
            # A doc comment
            R = <r @a any @b bool @c double @d int @e string @f bytes @g symbol @h #:any @i =lit @j [int ...]
                   @k #{string} @l {symbol: any ...:...} @m Other @n x.Y> .
            Other = [@first int @rest string ...] .
            T = [1 @x int] .
            D = {k: int "s": @named string} .
            L = <<lit> [1 2]> .
            G = <<rec> @label any @fields [any ...]> .
            O = @one int / =two / <three> / Other .
            N = {a: int} & @rest Other & {b: string} .
            """)
        let defs = m.schema.definitions
        #expect(defs.count == 8)
        #expect(m.documentation[Symbol("R")] == ["A doc comment"])
        #expect(m.schema.embeddedType == .ref(Schema.Ref(module: [Symbol("EntityRef")], name: Symbol("Cap"))))
        guard case .or(let a, let b, let rest)? = defs[Symbol("O")] else {
            Issue.record("O should be an or")
            return
        }
        #expect(([a, b] + rest).map(\.variantLabel) == ["one", "two", "three", "Other"])
        guard case .pattern(.compoundPattern(.tuplePrefix(let fixed, let variable)))? = defs[Symbol("Other")] else {
            Issue.record("Other should be a tuplePrefix")
            return
        }
        #expect(fixed.count == 1)
        #expect(variable == .named(Schema.Binding(name: "rest", pattern: .seqof(pattern: .atom(atomKind: .string)))))
        guard case .pattern(.compoundPattern(.dict(let entries)))? = defs[Symbol("D")] else {
            Issue.record("D should be a dict")
            return
        }
        #expect(entries[.symbol("k")] == .named(Schema.Binding(name: "k", pattern: .atom(atomKind: .signedInteger))))
        #expect(entries[.string("s")] == .named(Schema.Binding(name: "named", pattern: .atom(atomKind: .string))))
        #expect(defs[Symbol("L")] == .pattern(.simplePattern(.lit(value: [1, 2]))))
        let refs = m.references.map { ($0.ref.module.map(\.name) + [$0.ref.name.name]).joined(separator: ".") }
        #expect(Set(refs) == ["Other", "x.Y"])
    }

    @Test func readsEveryUpstreamSchemaFile() throws {
        for dir in ["upstream/syndicate-protocols/py-0.19.3/schemas", "upstream/syndicate-protocols/rs-2025/schemas", "upstream/preserves"] {
            let modules = try SchemaSources.readModules([SharedMaterial.path(dir)])
            #expect(!modules.isEmpty)
            try SchemaChecker().check(modules)
        }
    }
}

/// Inputs found by the schema fuzzer (Fuzz/, target `schema`); each also lives under
/// Fuzz/Regressions/schema/, which Fuzz/run replays.
@Suite struct SchemaReaderFuzzRegressionTests {
    func read(_ text: String) throws(SchemaError) -> SchemaModule {
        try SchemaReader().read(text, file: "test.prs", modulePath: [Symbol("test")])
    }

    /// The entries of a dictionary pattern were read in the order the parsed dictionary
    /// happened to iterate, which differs between two dictionaries with the same contents: the
    /// same text read twice gave modules with their references in different orders, and of two
    /// bad entries, either could be the one reported.
    @Test func dictionaryPatternsReadDeterministically() throws {
        let text = "version 1 .\nD = {a: A b: B c: C d: D e: E f: F g: G h: H} .\n"
        let first = try read(text)
        #expect(first.references.map(\.ref.name.name) == ["A", "B", "C", "D", "E", "F", "G", "H"])
        for _ in 0..<50 {
            #expect(try read(text) == first)
        }
        let bad = "version 1 .\nD = {a: <x> b: [1 2 ...] c: / d: &} .\n"
        var messages: Set<String> = []
        for _ in 0..<50 {
            do {
                _ = try read(bad)
                Issue.record("expected an error")
            } catch {
                messages.insert("\(error.position?.column ?? 0): \(error.message)")
            }
        }
        #expect(messages.count == 1, "\(messages)")
        #expect(messages.first?.hasPrefix("9:") == true, "the entry for key a is read first: \(messages)")
    }
}

import Foundation
import Preserves
import PreservesCodeGen
import PreservesSchema
import PreservesSchemaDocs
import Testing

/// Change reports between two small revisions of a module `m`.
@Suite struct SchemaComparisonTests {
    static func report(_ old: String, _ new: String, extraOld: [String: String] = [:], extraNew: [String: String] = [:]) throws -> SchemaChangeReport {
        func modules(_ main: String, _ extra: [String: String]) throws -> [SchemaModule] {
            try ([("m", main)] + extra.sorted { $0.key < $1.key }).map { name, body in
                try SchemaReader().read("version 1 .\n" + body, file: "\(name).prs", modulePath: [Symbol(name)])
            }
        }
        return try SchemaComparison().compare(
            old: modules(old, extraOld), new: modules(new, extraNew), oldSource: "old", newSource: "new")
    }

    static func change(_ report: SchemaChangeReport, _ name: String) throws -> DefinitionChange {
        try #require(report.definition("m", name), "no change to m.\(name) in\n\(report.text)")
    }

    @Test func recordLabelChangeIsWireIncompatibleButKeepsTheSwiftAPI() throws {
        let r = try Self.report("A = <a @x int> .", "A = <b @x int> .")
        let a = try Self.change(r, "A")
        #expect(a.status == .changed)
        #expect(a.isWireIncompatible)
        #expect(a.differences.map(\.description) == ["record label: a → b"])
        #expect(a.swiftChanges.isEmpty)
    }

    @Test func fieldTypeChangeRetypesTheProperty() throws {
        let r = try Self.report("A = <a @x int @y string> .", "A = <a @x string @y string> .")
        let a = try Self.change(r, "A")
        #expect(a.differences.map(\.description) == ["field x: int → string"])
        #expect(a.isWireIncompatible)
        #expect(a.swiftChanges.map(\.description) == ["property x retyped: SignedInteger → String"])
    }

    @Test func arityChangeNamesTheFieldsAddedAndRemoved() throws {
        let r = try Self.report("A = <a @x int> .", "A = <a @x int @y bool> .")
        let a = try Self.change(r, "A")
        #expect(a.isWireIncompatible)
        #expect(a.differences.map(\.description) == ["arity: 1 field → 2 fields", "field y added: bool — at position 2"])
        #expect(a.swiftChanges.map(\.description) == ["property added: var y: Bool"])
    }

    @Test func renamingABindingChangesOnlyTheSwiftAPI() throws {
        let r = try Self.report("A = <a @x int> .", "A = <a @count int> .")
        let a = try Self.change(r, "A")
        #expect(!a.isWireIncompatible)
        #expect(a.swiftChanges.map(\.description) == ["property removed: var x: SignedInteger", "property added: var count: SignedInteger"])
    }

    @Test func removedAlternativesAreIncompatibleAndAddedOnesAreNot() throws {
        let added = try Self.change(try Self.report("A = =x / =y .", "A = =x / =y / =z ."), "A")
        #expect(!added.isWireIncompatible)
        #expect(added.swiftChanges == [.memberAdded(.init(kind: .enumCase, swiftName: "z", schemaName: "z", type: nil))])
        let removed = try Self.change(try Self.report("A = =x / =y / =z .", "A = =x / =z ."), "A")
        #expect(removed.isWireIncompatible)
        #expect(removed.differences.map(\.description) == ["alternative y removed — new peers reject its values"])
    }

    @Test func dictionaryKeysAddedOrRemovedAreIncompatible() throws {
        let a = try Self.change(try Self.report("A = {a: int} .", "A = {a: int, b: string} ."), "A")
        #expect(a.isWireIncompatible)
        #expect(a.differences.first?.description == "key b added: string — values without it are rejected")
    }

    @Test func wideningToAnyIsCompatible() throws {
        let a = try Self.change(try Self.report("A = <a @x int> .", "A = <a @x any> ."), "A")
        #expect(!a.isWireIncompatible)
        #expect(a.swiftChanges.contains(.genericParameterChanged(from: nil, to: "Embedded")))
    }

    @Test func aChangedCapabilityInterfaceIsIncompatible() throws {
        let r = try Self.report("A = <a @o #:B> . B = <b> . C = <c> .", "A = <a @o #:C> . B = <b> . C = <c> .")
        let a = try Self.change(r, "A")
        #expect(a.isWireIncompatible)
        #expect(a.differences.first?.location == ["field o"])
        #expect(a.differences.first?.old == "#:B")
        #expect(a.differences.first?.new == "#:C")
    }

    @Test func unchangedDefinitionsWhoseSwiftAPIChangesAreReported() throws {
        // B is untouched, but A becomes generic over the embedded type, and so does B's field.
        let r = try Self.report("A = <a @x int> . B = <b @a A> .", "A = <a @x any> . B = <b @a A> .")
        let b = try Self.change(r, "B")
        #expect(b.oldSource == b.newSource)
        #expect(b.swiftChanges.contains(.memberRetyped(.init(kind: .property, swiftName: "a", schemaName: "a", type: "M.A"), to: "M.A<Embedded>")))
    }

    @Test func commentOnlyChangesAreListedButTheReportIsEmpty() throws {
        let r = try Self.report("# old words\nA = int .", "# new words\nA = int .")
        #expect(try Self.change(r, "A").status == .documentation)
        #expect(r.isEmpty)
        #expect(!r.hasWireIncompatibleChanges)
        #expect(try Self.report("A = int .", "A = int .").modules.isEmpty)
    }

    @Test func modulesAddedAndRemoved() throws {
        let r = try Self.report("A = int .", "A = int .", extraOld: ["gone": "G = <g> ."], extraNew: ["fresh": "F = <f @v double> ."])
        #expect(r.module("gone")?.status == .removed)
        #expect(r.module("gone")?.definitions.map(\.status) == [.removed])
        #expect(r.module("fresh")?.status == .added)
        #expect(r.definition("fresh", "F")?.newSwift?.typeName == "Fresh.F")
        #expect(r.summary.modulesAdded == 1 && r.summary.modulesRemoved == 1)
        #expect(r.hasWireIncompatibleChanges)
        #expect(r.text.contains("module fresh: added"))
        #expect(r.text.contains("! - G = <g>"))
    }
}

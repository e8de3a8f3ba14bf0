import Foundation
import Preserves
@testable import PreservesCodeGen
import PreservesSchema
import SyndicateProtocols
import Testing

/// The dataspace patterns generated for the protocol schemas: their shapes, and decoding of
/// what a dataspace captures with them (the whole value, as the only capture).
@Suite struct DataspacePatternTests {
    typealias E = IOEmbedded
    typealias P = DataspacePatterns.Pattern<E>

    static func symbol(_ s: String) -> Value<E> { .symbol(Symbol(s)) }

    @Test func wholeValuePatternBindsTheOpenRecordShape() throws {
        let tp: DataspacePatterns.TypedPattern<E, Protocol.Assert<E>> = Protocol.Assert.pattern()
        #expect(tp.pattern == .bind(pattern: tp.shape))
        #expect(tp.shape == .group(type: .rec(label: Self.symbol("A")), entries: [.integer(0): .discard, .integer(1): .discard]))
        let value = Protocol.Assert<E>(assertion: .string("x"), handle: 7)
        #expect(try tp.decode([value.preserves]) == value)
    }

    @Test func openReferencesToRecordsRequireTheirLabel() throws {
        let tp: DataspacePatterns.TypedPattern<E, Gatekeeper.ResolvePath<E>> = Gatekeeper.ResolvePath.pattern()
        guard case .group(_, let entries) = tp.shape else {
            Issue.record("unexpected shape \(tp.shape)")
            return
        }
        #expect(entries[.integer(0)] == .group(type: .rec(label: Self.symbol("route")), entries: [:]))
        #expect(entries[.integer(1)] == .discard)
    }

    @Test func literalFieldsBecomeLiteralPatternsAndAreCheckedExactly() throws {
        let tp: DataspacePatterns.TypedPattern<E, Protocol.Assert<E>> =
            Protocol.Assert.pattern(assertion: .literal(.sequence([1, 2])), handle: .literal(7))
        #expect(tp.shape == .group(type: .rec(label: Self.symbol("A")), entries: [
            .integer(0): .group(type: .arr, entries: [.integer(0): .lit(value: .int(1)), .integer(1): .lit(value: .int(2))]),
            .integer(1): .lit(value: .int(7)),
        ]))
        #expect(try tp.decode([Protocol.Assert<E>(assertion: .sequence([1, 2]), handle: 7).preserves]).handle == 7)
        // The dataspace's groups are open: [1 2 3] matches the shape but is not the literal.
        #expect(throws: SchemaParseError.self) {
            try tp.decode([Protocol.Assert<E>(assertion: .sequence([1, 2, 3]), handle: 7).preserves])
        }
    }

    @Test func nestedPatternsConstrainFieldsOfFieldTypes() throws {
        let description = Gatekeeper.Description<E>.pattern(stepType: .literal("ref"))
        let tp: DataspacePatterns.TypedPattern<E, Gatekeeper.Bind<E>> = Gatekeeper.Bind.pattern(description_: .pattern(description))
        // A label bound to a field becomes the group's label when it is given as a literal.
        guard case .group(.rec(let label), let entries) = tp.shape, case .group(.rec(let inner), _)? = entries[.integer(0)] else {
            Issue.record("unexpected shape \(tp.shape)")
            return
        }
        #expect(label == Self.symbol("bind") && inner == Self.symbol("ref"))
        let bind = Gatekeeper.Bind<E>(
            description_: Gatekeeper.Description(stepType: "ref", detail: .dictionary([:])),
            target: IOEmbedded(.symbol("cap")), observer: .absent)
        #expect(try tp.decode([bind.preserves]) == bind)
        var other = bind
        other.description_.stepType = "noise"
        #expect(throws: SchemaParseError.self) { try tp.decode([other.preserves]) }
    }

    @Test func observePatternsNestDataspacePatterns() throws {
        let inner = DataspacePatterns.Pattern<E>.bindPattern(pattern: .literal(.discard))
        let tp: DataspacePatterns.TypedPattern<E, Dataspace.Observe<E>> = Dataspace.Observe.pattern(pattern: .pattern(inner))
        let observe = Dataspace.Observe<E>(pattern: .bind(pattern: .discard), observer: IOEmbedded(.symbol("o")))
        #expect(try tp.decode([observe.preserves]) == observe)
        let wrong = Dataspace.Observe<E>(pattern: .discard, observer: IOEmbedded(.symbol("o")))
        #expect(throws: SchemaParseError.self) { try tp.decode([wrong.preserves]) }
    }

    @Test func unionsHaveAPatternPerAlternativeAndOneForTheWhole() throws {
        let assert = Protocol.Event<E>.assert(Protocol.Assert(assertion: .string("x"), handle: 1))
        let retract = Protocol.Event<E>.retract(Protocol.Retract(handle: 1))
        let any: DataspacePatterns.TypedPattern<E, Protocol.Event<E>> = Protocol.Event.pattern()
        #expect(any.shape == .discard)
        #expect(try any.decode([assert.preserves]) == assert)
        #expect(try any.decode([retract.preserves]) == retract)
        let asserts: DataspacePatterns.TypedPattern<E, Protocol.Event<E>> = Protocol.Event.assertPattern(.pattern(Protocol.Assert.pattern(handle: .literal(1))))
        #expect(asserts.shape == .group(type: .rec(label: Self.symbol("A")), entries: [.integer(0): .discard, .integer(1): .lit(value: .int(1))]))
        #expect(try asserts.decode([assert.preserves]) == assert)
        #expect(throws: SchemaParseError.self) { try asserts.decode([retract.preserves]) }
        // A literal alternative is its literal.
        #expect(Gatekeeper.BindObserver<E>.absentPattern().shape == .lit(value: .bool(false)))
    }

    @Test func aliasesAndDecodingFailures() throws {
        let handles: DataspacePatterns.TypedPattern<E, Protocol.Handle> = Protocol.patternHandle(.literal(3))
        #expect(handles.shape == .lit(value: .int(3)))
        #expect(try handles.decode([.integer(3)]) == 3)
        #expect(throws: SchemaParseError.self) { try handles.decode([]) }
        // Values that match the shape but not the schema fail to decode.
        let tp: DataspacePatterns.TypedPattern<E, Protocol.Assert<E>> = Protocol.Assert.pattern()
        #expect(throws: SchemaParseError.self) { try tp.decode([.record(Record(label: Self.symbol("A"), fields: [.string("x"), .string("not a handle")]))]) }
        #expect(try tp.map(\.handle).decode([Protocol.Assert<E>(assertion: 1, handle: 9).preserves]) == 9)
    }

    @Test func anySchemaTypeHasATypedPattern() throws {
        let events = DataspacePatterns.TypedPattern<E, Protocol.Event<E>>(of: Protocol.Event<E>.self)
        let retract = Protocol.Event<E>.retract(Protocol.Retract(handle: 2))
        #expect(events.shape == .discard)
        #expect(try events.decode([retract.preserves]) == retract)
        let retracts = DataspacePatterns.TypedPattern<E, Protocol.Retract>(of: Protocol.Retract.self, shape: .literal(.record(Record(label: Self.symbol("R"), fields: [2]))))
        #expect(try retracts.decode([Protocol.Retract(handle: 2).preserves(as: E.self)]).handle == 2)
        #expect(throws: SchemaParseError.self) { try retracts.decode([.string("not a retract")]) }
    }

    @Test func patternsAreGeneratedOnlyWhereDataspacePatternsIsVisible() throws {
        let metaschema = try GeneratedCodeTests.generate("PreservesMetaschema")
        #expect(!metaschema.contains { $0.contents.contains("TypedPattern") })
        var config = try SwiftGeneratorConfiguration(configurationText: "{accessLevel: public dataspacePatterns: #f}", file: "test")
        #expect(!config.dataspacePatterns)
        let without = try GeneratedCodeTests.generate("SyndicateProtocols", configuration: config)
        #expect(!without.contains { $0.contents.contains("TypedPattern") })
        config.dataspacePatterns = true
        config.embeddedType = .concrete("MyRuntime.Ref")
        let concrete = try GeneratedCodeTests.generate("SyndicateProtocols", configuration: config)
        #expect(!concrete.contains { $0.contents.contains("TypedPattern") }, "a concrete Pattern type cannot hold other embedded types")
        #expect(throws: ConfigurationError.self) {
            try SwiftGeneratorConfiguration(configurationText: "{dataspacePatterns: yes}", file: "test")
        }
    }

    @Test func userSchemasReferToTheProtocolsModulesPatterns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patterns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schema = directory.appendingPathComponent("chat.prs")
        try "version 1 .\nSays = <Says @who string @what string> .\n".write(to: schema, atomically: true, encoding: .utf8)
        let protocols = GeneratedCodeTests.root.appendingPathComponent("Schemas/SyndicateProtocols").path
        var config = SwiftGeneratorConfiguration()
        config.includes = [protocols]
        config.moduleMappings = ["dataspacePatterns": "SyndicateProtocols"]
        let files = try SwiftGenerator(configuration: config)
            .generate(try SchemaSources.readModules([schema.path]), context: try config.contextModules())
        let text = try #require(files.first?.contents)
        #expect(text.contains("import SyndicateProtocols"))
        #expect(text.contains("internal static func pattern<Embedded: Preserves.PreservesEmbedded>(who: SyndicateProtocols.DataspacePatterns.FieldPattern<Embedded, Swift.String> = .any, what: SyndicateProtocols.DataspacePatterns.FieldPattern<Embedded, Swift.String> = .any) -> SyndicateProtocols.DataspacePatterns.TypedPattern<Embedded, Self>"))
    }
}

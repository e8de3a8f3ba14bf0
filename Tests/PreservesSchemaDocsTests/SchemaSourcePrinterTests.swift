import Foundation
import Preserves
import PreservesSchema
import PreservesSchemaDocs
import Testing

/// The `.prs` pretty-printer: what it prints must read back as the same metaschema value.
@Suite struct SchemaSourcePrinterTests {
    static let directories = [
        TestPaths.repo("Schemas/SyndicateProtocols"),
        TestPaths.repo("Schemas/PreservesMetaschema"),
        TestPaths.rs2025,
    ]

    @Test(arguments: directories)
    func printedDefinitionsReadBackAsTheSameValues(directory: String) throws {
        var count = 0
        for module in try SchemaSources.readModules([directory]) {
            let printer = SchemaSourcePrinter(module: module.path)
            for (name, definition) in module.schema.definitions {
                for text in [printer.definition(name, definition).description, "\(name.name) = \(printer.body(definition)) ."] {
                    let reread = try SchemaReader().read("version 1 .\n" + text + "\n", file: "printed.prs", modulePath: module.path)
                    #expect(reread.schema.definitions[name] == definition, "\(module.dottedPath).\(name.name) printed as\n\(text)")
                    count += 1
                }
            }
        }
        #expect(count > 20)
    }

    @Test func layoutPutsAlternativesOnTheirOwnLinesAndBreaksLongRecords() throws {
        let text = """
            version 1 .
            Packet = Turn / @failure <error @message string> / =nop / @ext <<rec> @label any @fields [any ...]> .
            Turn = [TurnEvent ...] .
            TurnEvent = [@oid int @event any] .
            Long = <long-record-label @firstField string @secondField int @thirdField #:any @fourth [int ...]> .
            Both = {a: int} & @rest Turn .
            Wrapped = <wrapped {alpha: Long beta: Long gamma: Long delta: Long}> .
            """
        let module = try SchemaReader().read(text, file: "t.prs", modulePath: [Symbol("t")])
        let printer = SchemaSourcePrinter(module: module.path, width: 60)
        func show(_ name: String) -> String { printer.definition(Symbol(name), module.schema.definitions[Symbol(name)]!).description }
        #expect(show("Packet") == """
            Packet =
                / Turn
                / @failure <error @message string>
                / =nop
                / @ext <<rec> @label any @fields [any ...]> .
            """)
        #expect(show("Long") == """
            Long = <long-record-label
                @firstField string
                @secondField int
                @thirdField #:any
                @fourth [int ...]
            > .
            """)
        #expect(show("Wrapped") == """
            Wrapped = <wrapped {
                alpha: Long
                beta: Long
                delta: Long
                gamma: Long
            }> .
            """)
        #expect(show("TurnEvent") == "TurnEvent = [@oid int @event any] .")
        #expect(show("Both") == "Both = {a: int} & @rest Turn .")
        let refs = printer.definition(Symbol("Packet"), module.schema.definitions[Symbol("Packet")]!).references
        #expect(refs.map(\.text) == ["Turn"])
        #expect(refs.first?.target == Schema.Ref(module: [Symbol("t")], name: Symbol("Turn")))
    }
}

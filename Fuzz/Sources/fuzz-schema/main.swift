// Fuzzes the schema compiler's front end: SchemaReader (.prs text → SchemaModule), then
// SchemaChecker, then the Swift code generator for schemas that pass the checker.
//
// Oracles:
// - errors carry the file name, and a position inside the text when they have one;
// - the schema read is a valid metaschema value: its Preserves form converts back to an equal
//   schema, and its canonical binary (the compiled `.prb` form) is stable;
// - reading is deterministic: the same text reads to the same module twice;
// - the checker and the generator do not crash (they may reject the schema).

import FuzzSupport
import Preserves
import PreservesSchema
import PreservesCodeGen

let file = "fuzz.prs"
let reader = SchemaReader()
let checker = SchemaChecker()
let generator = SwiftGenerator()

func checkError(_ error: SchemaError, textLength: Int) {
    check(error.file == file, "error names file \(error.file)")
    if let position = error.position {
        check(position.line >= 1 && position.column >= 1 && position.offset >= 0 && position.offset <= textLength,
              "error position \(position) (offset \(position.offset)) outside the text: \(error)")
    }
}

runFuzzer { data in
    let text = String(decoding: data, as: UTF8.self)
    let length = text.utf8.count
    let module: SchemaModule
    do throws(SchemaError) {
        module = try reader.read(text, file: file, modulePath: [Symbol("fuzz")])
    } catch {
        checkError(error, textLength: length)
        return
    }

    // The compiled form round-trips.
    let value = module.schema.preserves
    do {
        let back = try Schema.Schema(preserves: value)
        check(back == module.schema, "metaschema round trip changed \(value)")
    } catch {
        fail("schema \(value) is not a valid metaschema Schema: \(error)")
    }
    let compiled = BundleWriter.schemaBytes(module)
    do {
        let decoded = try BinaryReader<Never>().decode(compiled)
        check(decoded == value, "compiled schema decodes as \(decoded), not \(value)")
        check(decoded.canonicalBinary == compiled, "compiled schema bytes are not stable")
    } catch {
        fail("compiled schema \(hex(compiled)) does not decode: \(error)")
    }

    // Deterministic.
    do {
        let again = try reader.read(text, file: file, modulePath: [Symbol("fuzz")])
        check(again == module, "reading the same text twice gave different modules")
    } catch {
        fail("reading the same text twice failed the second time: \(error)")
    }

    do throws(SchemaErrors) {
        try checker.check([module])
    } catch {
        for e in error.errors { checkError(e, textLength: length) }
        return
    }
    _ = try? generator.generate([module])
}

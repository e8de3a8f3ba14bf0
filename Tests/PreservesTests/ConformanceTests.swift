import Preserves
import Testing
import TestSupport

/// The upstream Preserves conformance suite, read from `../shared/conformance/samples.pr` at
/// run time. Every expectation of every case is checked, as the suite's own documentation
/// describes them.
@Suite struct ConformanceTests {
    typealias V = IOValue

    let textReader = TextReader<IOEmbedded>(keepAnnotations: true)
    let binaryReader = BinaryReader<IOEmbedded>(keepAnnotations: true)
    let canonical = BinaryWriter<IOEmbedded>(options: .canonical)
    let annotated = BinaryWriter<IOEmbedded>(options: .annotated)
    let textWriter = TextWriter<IOEmbedded>(options: .compact)

    func decodeBinary(_ bytes: [UInt8]) throws -> V { try binaryReader.decode(bytes) }
    func decodeText(_ text: String) throws -> V { try textReader.decode(text) }

    /// Checks one case; returns the failed expectations as readable strings.
    func check(_ kind: Symbol, _ fields: Record<IOEmbedded>.Fields) -> [String] {
        var failures: [String] = []
        func expect(_ number: Int, _ body: () throws -> Bool) {
            do {
                if try !body() { failures.append("expectation \(number) failed") }
            } catch {
                failures.append("expectation \(number) threw \(error)")
            }
        }
        switch kind.name {
        case "Test", "NondeterministicTest":
            guard let binary = fields[0].bytes else { return ["malformed case: binary is not a byte string"] }
            let annotatedValue = fields[1]
            let stripped = annotatedValue.stripped
            expect(1) { try decodeBinary(canonical.encode(annotatedValue)).isIdentical(to: stripped) }
            expect(2) { try decodeBinary(binary).stripped.isIdentical(to: stripped) }
            expect(3) { try decodeBinary(binary).isIdentical(to: annotatedValue) }
            expect(4) { try decodeBinary(annotated.encode(annotatedValue)).isIdentical(to: annotatedValue) }
            expect(5) { try decodeText(textWriter.write(stripped)).isIdentical(to: stripped) }
            expect(6) { try decodeText(textWriter.write(annotatedValue)).isIdentical(to: annotatedValue) }
            if kind.name == "Test" {
                expect(7) { annotated.encode(annotatedValue) == binary }
                let loose = BinaryWriter<IOEmbedded>(options: .init(keepAnnotations: true, sortCollections: false))
                expect(8) {
                    // Collections of one element or none have a single possible order.
                    !annotatedValue.hasMultiElementCollections ? loose.encode(annotatedValue) == binary
                        : annotated.encode(annotatedValue) == binary
                }
            }
        case "ParseError", "ParseShort", "ParseEOF":
            guard let text = fields[0].string else { return ["malformed case: text is not a string"] }
            let wanted: TextParseError.Kind =
                kind.name == "ParseError" ? .malformed : (kind.name == "ParseShort" ? .truncated : .endOfInput)
            do {
                let v = try decodeText(text)
                failures.append("parsed \(v) but should have failed with \(wanted)")
            } catch let error as TextParseError {
                if error.kind != wanted { failures.append("failed with \(error.kind) (\(error)), not \(wanted)") }
            } catch {
                failures.append("unexpected error \(error)")
            }
        case "DecodeError", "DecodeShort", "DecodeEOF":
            guard let bytes = fields[0].bytes else { return ["malformed case: bytes is not a byte string"] }
            let wanted: BinaryDecodingError.Kind =
                kind.name == "DecodeError" ? .malformed : (kind.name == "DecodeShort" ? .truncated : .endOfInput)
            do {
                let v = try decodeBinary(bytes)
                failures.append("decoded \(v) but should have failed with \(wanted)")
            } catch let error as BinaryDecodingError {
                if error.kind != wanted { failures.append("failed with \(error.kind) (\(error)), not \(wanted)") }
            } catch {
                failures.append("unexpected error \(error)")
            }
        default:
            failures.append("unknown case kind \(kind.name)")
        }
        return failures
    }

    @Test func allSamplesPass() throws {
        let suite = try decodeText(try SharedMaterial.text("conformance/samples.pr"))
        let cases = try #require(suite.record(label: "TestCases")?.fields.first?.dictionary)
        var passed = 0
        var report: [String] = []
        for (name, testCase) in cases.sorted(by: { $0.key < $1.key }) {
            guard let record = testCase.record, let kind = record.label.symbol else {
                report.append("\(name): not a test case record")
                continue
            }
            let failures = check(kind, record.fields)
            if failures.isEmpty {
                passed += 1
            } else {
                report.append("\(name.description) (\(kind.name)): " + failures.joined(separator: "; "))
            }
        }
        print("Preserves conformance: \(passed)/\(cases.count) cases passed")
        for line in report { print("  FAILED \(line)") }
        #expect(cases.count == 186, "the suite should have 186 cases")
        #expect(report.isEmpty, "\(report.count) conformance cases failed:\n\(report.joined(separator: "\n"))")
    }
}

extension Value where Embedded == IOEmbedded {
    /// Whether any set or dictionary inside has two or more elements (so its order matters).
    var hasMultiElementCollections: Bool {
        switch self {
        case .annotated(let a): a.annotations.contains { $0.hasMultiElementCollections } || a.value.hasMultiElementCollections
        case .record(let r): r.labelAndFields.contains { $0.hasMultiElementCollections }
        case .sequence(let items): items.contains { $0.hasMultiElementCollections }
        case .set(let items): items.count > 1 || items.contains { $0.hasMultiElementCollections }
        case .dictionary(let entries):
            entries.count > 1 || entries.contains { $0.key.hasMultiElementCollections || $0.value.hasMultiElementCollections }
        case .embedded(let e): e.value.hasMultiElementCollections
        default: false
        }
    }
}

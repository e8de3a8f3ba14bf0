import Preserves
import Testing

/// The Preserves example in README.md, kept working.
@Suite struct ReadmeExampleTests {
    @Test func preservesInSwift() throws {
        let v = try IOValue(text: #"<says "alice" {mood: happy}>"#)
        #expect(v.record(label: "says")?.fields[0].string == "alice")
        #expect(v.record?.fields[1][symbol: "mood"]?.symbol == Symbol("happy"))
        let bytes = v.canonicalBinary
        let back = try IOValue(binary: bytes)
        #expect(back == v)
        #expect(back.description == #"<says "alice" {mood: happy}>"#)
        let literal: IOValue = ["a", 1, true]
        #expect(literal.sequence?.count == 3)
    }
}

import Preserves
import Testing

/// The Preserves example in README.md, verbatim (ReadmeCodeBlockTests checks that it is), with
/// what its comments promise.
@Suite struct ReadmeExampleTests {
    @Test func preservesInSwift() throws {
        let v = try IOValue(text: #"<says "alice" {mood: happy}>"#)
        let who = v.record(label: "says")?.fields[0].string     // "alice"
        let mood = v.record?.fields[1][symbol: "mood"]?.symbol   // Symbol("happy")

        let bytes = v.canonicalBinary                           // canonical binary form
        let back = try IOValue(binary: bytes)                   // == v
        print(back)                                             // <says "alice" {mood: happy}>

        #expect(who == "alice")
        #expect(mood == Symbol("happy"))
        #expect(back == v)
        #expect(back.description == #"<says "alice" {mood: happy}>"#)
        let literal: IOValue = ["a", 1, true]
        #expect(literal.sequence?.count == 3)
    }
}

import Preserves
import Testing

/// Positions recorded for many values on one long line (the text fuzzer found their columns
/// were counted from the line's start each time: quadratic).
@Suite struct TextPositionTests {
    @Test func columnsAlongOneLongLineAndAcrossLines() throws {
        let text = String(repeating: "1 ", count: 50_000) + "\n  é [2 3]"
        let values = try TextReader<IOEmbedded>(recordPositions: true).decodeAll(text)
        #expect(values.count == 50_002)
        #expect(values[0].position == SourcePosition(offset: 0, line: 1, column: 1))
        #expect(values[49_999].position == SourcePosition(offset: 99_998, line: 1, column: 99_999))
        // Columns count scalars: "é" is two bytes, one column.
        #expect(values[50_000].position == SourcePosition(offset: 100_003, line: 2, column: 3))
        #expect(values[50_001].position == SourcePosition(offset: 100_006, line: 2, column: 5))
        // A nested value's position comes before its container's, and is still right.
        #expect(values[50_001].unannotated.sequence?[1].position == SourcePosition(offset: 100_009, line: 2, column: 8))
    }
}

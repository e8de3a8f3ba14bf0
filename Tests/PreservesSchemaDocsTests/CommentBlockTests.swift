@testable import PreservesSchemaDocs
import Testing

@Suite struct CommentBlockTests {
    /// gatekeeper.prs numbers its steps, with continuation lines indented under the text and a
    /// blank line between items: one numbered list, not code blocks.
    @Test func numberedItemsWithIndentedContinuations() {
        let lines = [
            "When the gatekeeper entity receives a `Resolve` assertion (call it R1), it",
            "",
            " 1. asserts a `Resolve` (call it R2) into its associated dataspace that",
            "    is the same as R1 except it has a different `observer`; and",
            "",
            " 2. observes a `Bind` with `description` matching the `step` of R1/R2",
            "    according to `stepType`.",
            "",
            "Then it waits.",
        ]
        #expect(CommentBlock.parse(lines) == [
            .paragraph("When the gatekeeper entity receives a `Resolve` assertion (call it R1), it"),
            .orderedList([
                "asserts a `Resolve` (call it R2) into its associated dataspace that is the same as R1 except it has a different `observer`; and",
                "observes a `Bind` with `description` matching the `step` of R1/R2 according to `stepType`.",
            ]),
            .paragraph("Then it waits."),
        ])
    }

    @Test func indentedBlocksOutsideListsStayPreformatted() {
        #expect(CommentBlock.parse(["For example:", "", "    $control ! <exit 2>"]) == [
            .paragraph("For example:"), .preformatted(["$control ! <exit 2>"]),
        ])
        #expect(CommentBlock.parse(["- a", "- b", "", "text"]) == [.list(["a", "b"]), .paragraph("text")])
    }
}

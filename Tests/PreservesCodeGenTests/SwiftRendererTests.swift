@testable import PreservesCodeGen
import Testing

/// The renderer lays code out by structure: blocks indent their contents, `case` clauses line
/// up with their `switch`, closures with one expression stay on one line.
@Suite struct SwiftRendererTests {
    @Test func indentationFollowsStructure() {
        let body: [Statement] = [
            .declare(.let, .name("x"), type: .named("Swift.Int"), value: .int(1)),
            .switchStatement(.name("x"), [
                SwitchCase(patterns: [.enumCase("some", bindings: ["y"])], body: [
                    .ifStatement([.expression(.binary(.name("y"), ">", .int(0)))], then: [.returnStatement(.name("y"))]),
                ]),
                SwitchCase(patterns: [], body: [.throwStatement(Expression.name("Failure").call())]),
            ]),
            .returnStatement(Expression.name("items").dot("map").call(.unlabeled(.closure(Closure(
                parameters: [ClosureParameter(name: "i")], body: [.expression(.binary(.name("i"), "+", .int(1)))]))))),
        ]
        let function = Declaration.function(FunctionDescription(
            documentation: ["Doc."], access: "public", modifiers: ["static"], kind: .function("f"),
            generics: [GenericParameter(name: "E", constraint: .named("Preserves.PreservesEmbedded"))],
            parameters: [Parameter(label: "_", name: "items", type: .array(.named("Swift.Int")), defaultValue: .array([]))],
            throwing: .named("Failure"), result: .array(.named("Swift.Int")), body: body))
        let file = SwiftFile(headerComments: ["header"], imports: ["Preserves"], declarations: [
            .extensionBlock(ExtensionDescription(extendedType: .named("Namespace"), members: [function])),
        ])
        #expect(SwiftRenderer().render(file) == """
            // header

            import Preserves

            extension Namespace {
                /// Doc.
                public static func f<E: Preserves.PreservesEmbedded>(_ items: [Swift.Int] = []) throws(Failure) -> [Swift.Int] {
                    let x: Swift.Int = 1
                    switch x {
                    case .some(let y):
                        if y > 0 {
                            return y
                        }
                    default:
                        throw Failure()
                    }
                    return items.map({ i in i + 1 })
                }
            }

            """)
    }

    @Test func closuresWithStatementsBecomeBlocks() {
        let closure = Closure(
            parameters: [ClosureParameter(name: "v", type: .named("V"))], throwing: .named("E"),
            body: [.expression(Expression.name("check").call(.unlabeled(.name("v"))).tried), .returnStatement(.name("v"))])
        let statement = Statement.declare(.let, .name("f"), type: nil, value: .closure(closure))
        let function = Declaration.function(FunctionDescription(access: "internal", kind: .initializer, body: [statement]))
        let text = SwiftRenderer().render(SwiftFile(headerComments: [], imports: [], declarations: [function]))
        #expect(text.contains("""
            internal init() {
                let f = { (v: V) throws(E) in
                    try check(v)
                    return v
                }
            }
            """))
    }
}

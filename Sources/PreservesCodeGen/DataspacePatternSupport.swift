/// The types every generated `pattern(…)` function returns and takes, emitted into the file of
/// the `dataspacePatterns` module itself (so the module holding `Pattern` holds them too, and
/// `preserves-regenerate` writes them like any other generated code).
struct DataspacePatternSupport {
    let access: String
    /// The namespace enum of `dataspacePatterns`, e.g. `DataspacePatterns`.
    let namespace: String

    func declarations() -> [SwiftDeclaration] {
        [
            .mark("Typed dataspace patterns"),
            .extensionBlock(name: namespace, members: [.type(typedPattern), .type(fieldPattern)]),
            .extensionBlock(name: "\(namespace).Pattern", members: patternHelpers),
        ]
    }

    let e = "Preserves.SchemaParseError"

    var typedPattern: SwiftTypeDeclaration {
        SwiftTypeDeclaration(
            documentation: [
                "A dataspace pattern that observes values of one Swift type, and decodes what it captures",
                "back into that type.",
                "",
                "``pattern`` binds the whole observed value (one capture) and requires the ``shape``. The",
                "dataspace's matching is open (a record pattern with two fields matches records with more),",
                "so ``decode(_:)`` parses the capture with the type's own parser and checks every literal",
                "constraint exactly: a value that matches ``pattern`` but is not a valid `Output` (or not",
                "the literal asked for) makes it throw.",
            ],
            access: access, kind: .struct, name: "TypedPattern",
            generics: "<Embedded: Preserves.PreservesEmbedded, Output>", conformances: ["Swift.Sendable"],
            members: [
                .line(documentation: ["What observed values must look like, without captures: what nested patterns contribute."],
                      text: "\(access) let shape: Pattern<Embedded>"),
                .line(documentation: ["The pattern to observe: ``shape``, captured as a whole."],
                      text: "\(access) let pattern: Pattern<Embedded>"),
                .line(documentation: [], text: "private let parse: @Sendable (Preserves.Value<Embedded>) throws(\(e)) -> Output"),
                .line(documentation: [], text: "private let validate: @Sendable (Output) throws(\(e)) -> Void"),
                .member(
                    documentation: [
                        "A typed pattern from a shape, the parser of the values it observes, and a check of",
                        "the parsed value against the constraints the shape cannot state exactly.",
                    ],
                    signature: "\(access) init(shape: Pattern<Embedded>, parse: @escaping @Sendable (Preserves.Value<Embedded>) throws(\(e)) -> Output, check: @escaping @Sendable (Output) throws(\(e)) -> Void = { _ in })",
                    body: [
                        .line("self.shape = shape"),
                        .line("self.pattern = .bind(pattern: shape)"),
                        .line("self.parse = parse"),
                        .line("self.validate = check"),
                    ]),
                .member(
                    documentation: [
                        "The observed value, from the captures of ``pattern`` in the order the dataspace",
                        "delivers them (the whole value is the first).",
                    ],
                    signature: "\(access) func decode(_ captures: [Preserves.Value<Embedded>]) throws(\(e)) -> Output",
                    body: [
                        .block("guard let value = captures.first else {", [
                            .line("throw \(e)(definition: \"dataspacePatterns.TypedPattern\", expected: \"the captured value\")"),
                        ]),
                        .line("return try decode(value: value)"),
                    ]),
                .member(
                    documentation: ["Parses one observed value and checks it against the constraints."],
                    signature: "\(access) func decode(value: Preserves.Value<Embedded>) throws(\(e)) -> Output",
                    body: [
                        .line("let output = try parse(value)"),
                        .line("try validate(output)"),
                        .line("return output"),
                    ]),
                .member(
                    documentation: ["Checks an already parsed value against the pattern's constraints."],
                    signature: "\(access) func check(_ output: Output) throws(\(e))",
                    body: [.line("try validate(output)")]),
                .member(
                    documentation: [
                        "The same observation, decoding to a part or a transformation of the value",
                        "(`Says.pattern().map(\\.what)`).",
                    ],
                    signature: "\(access) func map<T>(_ transform: @escaping @Sendable (Output) throws(\(e)) -> T) -> TypedPattern<Embedded, T>",
                    body: [
                        .line("let parse = self.parse"),
                        .line("let validate = self.validate"),
                        .block("return TypedPattern<Embedded, T>(shape: shape, parse: { (value: Preserves.Value<Embedded>) throws(\(e)) -> T in", [
                            .line("let output = try parse(value)"),
                            .line("try validate(output)"),
                            .line("return try transform(output)"),
                        ], close: "})"),
                    ]),
            ])
    }

    var fieldPattern: SwiftTypeDeclaration {
        SwiftTypeDeclaration(
            documentation: [
                "A constraint on one field (or the payload) of a generated type's pattern.",
            ],
            access: access, kind: .enum, name: "FieldPattern",
            generics: "<Embedded: Preserves.PreservesEmbedded, Field: Swift.Equatable & Swift.Sendable>", conformances: ["Swift.Sendable"],
            members: [
                .line(documentation: ["Any value the field's schema allows (checked when decoding)."], text: "case any"),
                .line(documentation: ["Exactly this value."], text: "case literal(Field)"),
                .line(documentation: ["A value the nested typed pattern observes."], text: "case pattern(TypedPattern<Embedded, Field>)"),
                .member(
                    documentation: [
                        "The field's part of the shape: `open` for ``any``, the literal's value as a pattern, or",
                        "the nested pattern's shape.",
                    ],
                    signature: "\(access) func shape(open: Pattern<Embedded>, literal: (Field) -> Preserves.Value<Embedded>) -> Pattern<Embedded>",
                    body: [.block("switch self {", [
                        .block("case .any:", [.line("return open")], close: ""),
                        .block("case .literal(let value):", [.line("return Pattern<Embedded>.literal(literal(value))")], close: ""),
                        .block("case .pattern(let nested):", [.line("return nested.shape")], close: ""),
                    ])]),
                .member(
                    documentation: ["Checks the parsed field against the constraint (`definition` names where, for errors)."],
                    signature: "\(access) func check(_ field: Field, _ definition: Swift.StaticString) throws(\(e))",
                    body: [.block("switch self {", [
                        .block("case .any:", [.line("return")], close: ""),
                        .block("case .literal(let value):", [
                            .block("guard value == field else {", [
                                .line("throw \(e)(definition: definition, expected: \"the literal value the pattern asks for\")"),
                            ]),
                        ], close: ""),
                        .block("case .pattern(let nested):", [.line("try nested.check(field)")], close: ""),
                    ])]),
            ])
    }

    var patternHelpers: [SwiftDeclaration] {
        [
            .member(
                documentation: [
                    "A pattern matching `value`: atoms and embedded values as literals, records, sequences",
                    "and dictionaries as groups of literals (open, as every group is: decoding checks the",
                    "exact value). Sets cannot be matched structurally and match any value here.",
                ],
                signature: "\(access) static func literal(_ value: Preserves.Value<Embedded>) -> Self",
                body: [.block("switch value.unannotated {", [
                    .block("case .boolean(let b):", [.line("return .lit(value: .bool(b))")], close: ""),
                    .block("case .double(let d):", [.line("return .lit(value: .double(d))")], close: ""),
                    .block("case .integer(let i):", [.line("return .lit(value: .int(i))")], close: ""),
                    .block("case .string(let s):", [.line("return .lit(value: .string(s))")], close: ""),
                    .block("case .byteString(let b):", [.line("return .lit(value: .bytes(b))")], close: ""),
                    .block("case .symbol(let s):", [.line("return .lit(value: .symbol(s))")], close: ""),
                    .block("case .embedded(let r):", [.line("return .lit(value: .embedded(r))")], close: ""),
                    .block("case .record(let r):", [.line("return .group(type: .rec(label: r.label), entries: indexed(r.fields.map { literal($0) }))")], close: ""),
                    .block("case .sequence(let items):", [.line("return .group(type: .arr, entries: indexed(items.map { literal($0) }))")], close: ""),
                    .block("case .dictionary(let d):", [.line("return .group(type: .dict, entries: Swift.Dictionary(uniqueKeysWithValues: d.map { ($0.key, literal($0.value)) }))")], close: ""),
                    .block("case .set, .annotated:", [.line("return .discard")], close: ""),
                ])]),
            .member(
                documentation: [
                    "A record pattern whose label is given by a pattern: a group when the label is a literal,",
                    "otherwise any value (a dataspace group needs its label).",
                ],
                signature: "\(access) static func record(label: Self, entries: [Preserves.Value<Embedded>: Self]) -> Self",
                body: [
                    .block("guard case .lit(let atom) = label else {", [.line("return .discard")]),
                    .line("return .group(type: .rec(label: atom.preserves), entries: entries)"),
                ]),
            .member(
                documentation: ["Group entries keyed by position."],
                signature: "\(access) static func indexed(_ items: [Self]) -> [Preserves.Value<Embedded>: Self]",
                body: [.line("return Swift.Dictionary(uniqueKeysWithValues: items.enumerated().map { (Preserves.Value<Embedded>.integer(Preserves.SignedInteger($0.offset)), $0.element) })")]),
            .member(
                documentation: [
                    "A pattern requiring both `a` and `b` where one shape can say so (a discard gives way, groups",
                    "of the same type merge their entries); otherwise `a` (decoding checks the rest).",
                ],
                signature: "\(access) static func intersection(_ a: Self, _ b: Self) -> Self",
                body: [.block("switch (a, b) {", [
                    .block("case (.discard, _):", [.line("return b")], close: ""),
                    .block("case (_, .discard):", [.line("return a")], close: ""),
                    .block("case (.group(let t1, let e1), .group(let t2, let e2)) where t1 == t2:", [
                        .line("return .group(type: t1, entries: e1.merging(e2) { intersection($0, $1) })"),
                    ], close: ""),
                    .block("default:", [.line("return a")], close: ""),
                ])]),
        ]
    }
}

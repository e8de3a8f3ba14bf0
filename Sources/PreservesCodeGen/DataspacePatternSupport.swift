/// The types every generated `pattern(…)` function returns and takes, emitted into the file of
/// the `dataspacePatterns` module itself (so the module holding `Pattern` holds them too, and
/// `preserves-regenerate` writes them like any other generated code).
struct DataspacePatternSupport {
    let access: String
    /// The namespace enum of `dataspacePatterns`, e.g. `DataspacePatterns`.
    let namespace: String

    func declarations() -> [Declaration] {
        [
            .mark("Typed dataspace patterns"),
            .extensionBlock(ExtensionDescription(extendedType: .named(namespace), members: [.type(typedPattern), .type(fieldPattern)])),
            .extensionBlock(ExtensionDescription(
                extendedType: .named([namespace, "TypedPattern"], generics: []),
                requirements: [.conformance(output, .named("Preserves.SchemaRepresentable")), .sameType(.named("Output.Embedded"), embedded)],
                members: [ofType(parse: Expression.name("Output").call(.labeled("preserves", .name("value"))).tried)])),
            .extensionBlock(ExtensionDescription(
                extendedType: .named([namespace, "TypedPattern"], generics: []),
                requirements: [.conformance(output, .named("Preserves.SchemaPlainRepresentable"))],
                members: [ofType(parse: Expression.name("Output").call(.labeled("preserves", .name("value"))).tried)])),
            .extensionBlock(ExtensionDescription(extendedType: .named([namespace, "Pattern"], generics: []), members: patternHelpers)),
        ]
    }

    /// `init(of:shape:)`: a typed pattern for any schema type, from a shape (any value by default).
    func ofType(parse: Expression) -> Declaration {
        .function(FunctionDescription(
            documentation: [
                "Observes values of a schema type that match `shape` (by default any value: decoding",
                "keeps those that parse). Generated types have more precise `pattern(…)` functions.",
            ],
            access: access, kind: .initializer,
            parameters: [
                Parameter(label: "of", name: "type", type: .metatype(output)),
                Parameter(name: "shape", type: .named([namespace, "Pattern"], generics: [embedded]), defaultValue: .member(nil, "discard")),
            ],
            body: [.expression(Expression.name("self").dot("init").call(
                .labeled("shape", .name("shape")),
                .labeled("parse", .closure(Closure(
                    parameters: [ClosureParameter(name: "value", type: value)], throwing: error, result: output,
                    body: [.expression(parse)])))))]))
    }

    // MARK: Vocabulary

    let error = TypeUsage.named("Preserves.SchemaParseError")
    let embedded = TypeUsage.named("Embedded")
    var value: TypeUsage { LiteralCode.valueType(embedded) }
    var pattern: TypeUsage { .named("Pattern", [embedded]) }
    let output = TypeUsage.named("Output")
    let selfType = TypeUsage.named("Self")
    var embeddedGeneric: GenericParameter { GenericParameter(name: "Embedded", constraint: .named("Preserves.PreservesEmbedded")) }

    func sendableFunction(_ parameter: TypeUsage, _ result: TypeUsage, escaping: Bool = false) -> TypeUsage {
        .function(FunctionType(attributes: (escaping ? ["@escaping"] : []) + ["@Sendable"], parameters: [parameter], throwing: error, result: result))
    }

    func schemaError(_ definition: Expression, _ expected: String) -> Expression {
        Expression.type(error).call(.labeled("definition", definition), .labeled("expected", .string(expected)))
    }

    func member(_ name: String, _ arguments: Argument...) -> Expression { Expression.member(nil, name).call(arguments) }

    /// Public decoding and checking are inlinable, so that a client's calls are specialised for
    /// its types instead of looking up generic metadata for every value it decodes.
    var inlinable: [String] { access == "public" ? ["@inlinable"] : [] }
    /// The access of the closures the inlinable members call.
    var closureAccess: String { access == "public" ? "@usableFromInline internal" : "private" }
    func name(_ n: String) -> Expression { .name(n) }

    // MARK: TypedPattern

    var typedPattern: TypeDescription {
        TypeDescription(
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
            access: access, modifiers: ["nonisolated"], kind: .struct, name: "TypedPattern",
            generics: [embeddedGeneric, GenericParameter(name: "Output")], conformances: [.named("Swift.Sendable")],
            members: [
                .variable(VariableDescription(
                    documentation: ["What observed values must look like, without captures: what nested patterns contribute."],
                    access: access, kind: .let, name: "shape", type: pattern)),
                .variable(VariableDescription(
                    documentation: ["The pattern to observe: ``shape``, captured as a whole."],
                    access: access, kind: .let, name: "pattern", type: pattern)),
                .variable(VariableDescription(access: closureAccess, kind: .let, name: "parse", type: sendableFunction(value, output))),
                .variable(VariableDescription(access: closureAccess, kind: .let, name: "validate", type: sendableFunction(output, .named("Swift.Void")))),
                .function(FunctionDescription(
                    documentation: [
                        "A typed pattern from a shape, the parser of the values it observes, and a check of",
                        "the parsed value against the constraints the shape cannot state exactly.",
                    ],
                    access: access, kind: .initializer,
                    parameters: [
                        Parameter(name: "shape", type: pattern),
                        Parameter(name: "parse", type: sendableFunction(value, output, escaping: true)),
                        Parameter(name: "check", type: sendableFunction(output, .named("Swift.Void"), escaping: true),
                                  defaultValue: .closure(Closure(parameters: [ClosureParameter(name: "_")], body: []))),
                    ],
                    body: [
                        .assign(name("self").dot("shape"), name("shape")),
                        .assign(name("self").dot("pattern"), member("bind", .labeled("pattern", name("shape")))),
                        .assign(name("self").dot("parse"), name("parse")),
                        .assign(name("self").dot("validate"), name("check")),
                    ])),
                .function(FunctionDescription(
                    documentation: [
                        "The observed value, from the captures of ``pattern`` in the order the dataspace",
                        "delivers them (the whole value is the first).",
                    ],
                    attributes: inlinable, access: access, kind: .function("decode"),
                    parameters: [Parameter(label: "_", name: "captures", type: .array(value))],
                    throwing: error, result: output,
                    body: [
                        .guardStatement([.optionalBinding("value", name("captures").dot("first"))], else: [
                            .throwStatement(schemaError(.string("dataspacePatterns.TypedPattern"), "the captured value")),
                        ]),
                        .returnStatement(name("decode").call(.labeled("value", name("value"))).tried),
                    ])),
                .function(FunctionDescription(
                    documentation: ["Parses one observed value and checks it against the constraints."],
                    attributes: inlinable, access: access, kind: .function("decode"),
                    parameters: [Parameter(name: "value", type: value)], throwing: error, result: output,
                    body: [
                        .declare(.let, .name("output"), type: nil, value: name("parse").call(.unlabeled(name("value"))).tried),
                        .expression(name("validate").call(.unlabeled(name("output"))).tried),
                        .returnStatement(name("output")),
                    ])),
                .function(FunctionDescription(
                    documentation: ["Checks an already parsed value against the pattern's constraints."],
                    attributes: inlinable, access: access, kind: .function("check"),
                    parameters: [Parameter(label: "_", name: "output", type: output)], throwing: error,
                    body: [.expression(name("validate").call(.unlabeled(name("output"))).tried)])),
                .function(FunctionDescription(
                    documentation: [
                        "``decode(value:)`` as a function: for code generic over `Output` that decodes many",
                        "values, which then calls the parser without looking up this type's metadata each time.",
                    ],
                    attributes: inlinable, access: access, kind: .computedProperty("decoder"), result: sendableFunction(value, output),
                    body: [
                        .declare(.let, .name("parse"), type: nil, value: name("self").dot("parse")),
                        .declare(.let, .name("validate"), type: nil, value: name("self").dot("validate")),
                        .returnStatement(.closure(Closure(
                            parameters: [ClosureParameter(name: "value", type: value)], throwing: error, result: output,
                            body: [
                                .declare(.let, .name("output"), type: nil, value: name("parse").call(.unlabeled(name("value"))).tried),
                                .expression(name("validate").call(.unlabeled(name("output"))).tried),
                                .returnStatement(name("output")),
                            ]))),
                    ])),
                .function(FunctionDescription(
                    documentation: [
                        "The same observation, decoding to a part or a transformation of the value",
                        "(`Says.pattern().map(\\.what)`).",
                    ],
                    access: access, kind: .function("map"), generics: [GenericParameter(name: "T")],
                    parameters: [Parameter(label: "_", name: "transform", type: sendableFunction(output, .named("T"), escaping: true))],
                    result: .named("TypedPattern", [embedded, .named("T")]),
                    body: [
                        .declare(.let, .name("parse"), type: nil, value: name("self").dot("parse")),
                        .declare(.let, .name("validate"), type: nil, value: name("self").dot("validate")),
                        .returnStatement(Expression.type(.named("TypedPattern", [embedded, .named("T")])).call(
                            .labeled("shape", name("shape")),
                            .labeled("parse", .closure(Closure(
                                parameters: [ClosureParameter(name: "value", type: value)], throwing: error, result: .named("T"),
                                body: [
                                    .declare(.let, .name("output"), type: nil, value: name("parse").call(.unlabeled(name("value"))).tried),
                                    .expression(name("validate").call(.unlabeled(name("output"))).tried),
                                    .returnStatement(name("transform").call(.unlabeled(name("output"))).tried),
                                ]))))),
                    ])),
            ])
    }

    // MARK: FieldPattern

    var fieldPattern: TypeDescription {
        let field = TypeUsage.named("Field")
        return TypeDescription(
            documentation: ["A constraint on one field (or the payload) of a generated type's pattern."],
            access: access, modifiers: ["nonisolated"], kind: .enum, name: "FieldPattern",
            generics: [embeddedGeneric, GenericParameter(name: "Field", constraint: .composition([.named("Swift.Equatable"), .named("Swift.Sendable")]))],
            conformances: [.named("Swift.Sendable")],
            members: [
                .enumCase(EnumCaseDescription(documentation: ["Any value the field's schema allows (checked when decoding)."], name: "any")),
                .enumCase(EnumCaseDescription(documentation: ["Exactly this value."], name: "literal", associatedValues: [(label: nil, type: field)])),
                .enumCase(EnumCaseDescription(
                    documentation: ["A value the nested typed pattern observes."], name: "pattern",
                    associatedValues: [(label: nil, type: .named("TypedPattern", [embedded, field]))])),
                .function(FunctionDescription(
                    documentation: [
                        "The field's part of the shape: `open` for ``any``, the literal's value as a pattern, or",
                        "the nested pattern's shape.",
                    ],
                    access: access, kind: .function("shape"),
                    parameters: [
                        Parameter(name: "open", type: pattern),
                        Parameter(name: "literal", type: .function(FunctionType(parameters: [field], result: value))),
                    ],
                    result: pattern,
                    body: [.switchStatement(name("self"), [
                        SwitchCase(patterns: [.enumCase("any", bindings: nil)], body: [.returnStatement(name("open"))]),
                        SwitchCase(patterns: [.enumCase("literal", bindings: ["value"])], body: [
                            .returnStatement(Expression.type(pattern).dot("literal").call(.unlabeled(name("literal").call(.unlabeled(name("value")))))),
                        ]),
                        SwitchCase(patterns: [.enumCase("pattern", bindings: ["nested"])], body: [.returnStatement(name("nested").dot("shape"))]),
                    ])])),
                .function(FunctionDescription(
                    documentation: ["Checks the parsed field against the constraint (`definition` names where, for errors)."],
                    attributes: inlinable, access: access, kind: .function("check"),
                    parameters: [Parameter(label: "_", name: "field", type: field), Parameter(label: "_", name: "definition", type: .named("Swift.StaticString"))],
                    throwing: error,
                    body: [.switchStatement(name("self"), [
                        SwitchCase(patterns: [.enumCase("any", bindings: nil)], body: [.returnStatement(nil)]),
                        SwitchCase(patterns: [.enumCase("literal", bindings: ["value"])], body: [
                            .guardStatement([.expression(.binary(name("value"), "==", name("field")))], else: [
                                .throwStatement(schemaError(name("definition"), "the literal value the pattern asks for")),
                            ]),
                        ]),
                        SwitchCase(patterns: [.enumCase("pattern", bindings: ["nested"])], body: [
                            .expression(name("nested").dot("check").call(.unlabeled(name("field"))).tried),
                        ]),
                    ])])),
            ])
    }

    // MARK: Pattern helpers

    var patternHelpers: [Declaration] {
        func lit(_ atom: String, _ bound: String) -> Statement {
            .returnStatement(member("lit", .labeled("value", member(atom, .unlabeled(name(bound))))))
        }
        func literalOfEach(_ items: Expression) -> Expression {
            items.dot("map").call(.unlabeled(.closure(Closure(body: [.expression(name("literal").call(.unlabeled(name("$0"))))]))))
        }
        let entryPairs = name("d").dot("map").call(.unlabeled(.closure(Closure(body: [
            .expression(.tuple([name("$0").dot("key"), name("literal").call(.unlabeled(name("$0").dot("value")))])),
        ]))))
        let entriesType = TypeUsage.dictionary(key: value, value: selfType)
        return [
            .function(FunctionDescription(
                documentation: [
                    "A pattern matching `value`: atoms and embedded values as literals, records, sequences",
                    "and dictionaries as groups of literals (open, as every group is: decoding checks the",
                    "exact value). Sets cannot be matched structurally and match any value here.",
                ],
                access: access, modifiers: ["static"], kind: .function("literal"),
                parameters: [Parameter(label: "_", name: "value", type: value)], result: selfType,
                body: [.switchStatement(name("value").dot("unannotated"), [
                    SwitchCase(patterns: [.enumCase("boolean", bindings: ["b"])], body: [lit("bool", "b")]),
                    SwitchCase(patterns: [.enumCase("double", bindings: ["d"])], body: [lit("double", "d")]),
                    SwitchCase(patterns: [.enumCase("integer", bindings: ["i"])], body: [lit("int", "i")]),
                    SwitchCase(patterns: [.enumCase("string", bindings: ["s"])], body: [lit("string", "s")]),
                    SwitchCase(patterns: [.enumCase("byteString", bindings: ["b"])], body: [lit("bytes", "b")]),
                    SwitchCase(patterns: [.enumCase("symbol", bindings: ["s"])], body: [lit("symbol", "s")]),
                    SwitchCase(patterns: [.enumCase("embedded", bindings: ["r"])], body: [lit("embedded", "r")]),
                    SwitchCase(patterns: [.enumCase("record", bindings: ["r"])], body: [.returnStatement(member(
                        "group", .labeled("type", member("rec", .labeled("label", name("r").dot("label")))),
                        .labeled("entries", name("indexed").call(.unlabeled(literalOfEach(name("r").dot("fields")))))))]),
                    SwitchCase(patterns: [.enumCase("sequence", bindings: ["items"])], body: [.returnStatement(member(
                        "group", .labeled("type", .member(nil, "arr")),
                        .labeled("entries", name("indexed").call(.unlabeled(literalOfEach(name("items")))))))]),
                    SwitchCase(patterns: [.enumCase("dictionary", bindings: ["d"])], body: [.returnStatement(member(
                        "group", .labeled("type", .member(nil, "dict")),
                        .labeled("entries", Expression.type(.named("Swift.Dictionary")).call(.labeled("uniqueKeysWithValues", entryPairs)))))]),
                    SwitchCase(patterns: [.enumCase("set", bindings: nil), .enumCase("annotated", bindings: nil)], body: [
                        .returnStatement(.member(nil, "discard")),
                    ]),
                ])])),
            .function(FunctionDescription(
                documentation: [
                    "A record pattern whose label is given by a pattern: a group when the label is a literal,",
                    "otherwise any value (a dataspace group needs its label).",
                ],
                access: access, modifiers: ["static"], kind: .function("record"),
                parameters: [Parameter(name: "label", type: selfType), Parameter(name: "entries", type: entriesType)],
                result: selfType,
                body: [
                    .guardStatement([.matches(.enumCase("lit", bindings: ["atom"]), name("label"))], else: [.returnStatement(.member(nil, "discard"))]),
                    .returnStatement(member("group", .labeled("type", member("rec", .labeled("label", name("atom").dot("preserves")))), .labeled("entries", name("entries")))),
                ])),
            .function(FunctionDescription(
                documentation: ["Group entries keyed by position."],
                access: access, modifiers: ["static"], kind: .function("indexed"),
                parameters: [Parameter(label: "_", name: "items", type: .array(selfType))], result: entriesType,
                body: [.returnStatement(Expression.type(.named("Swift.Dictionary")).call(.labeled("uniqueKeysWithValues",
                    name("items").dot("enumerated").call().dot("map").call(.unlabeled(.closure(Closure(body: [
                        .expression(.tuple([
                            Expression.type(value).dot("integer").call(.unlabeled(Expression.type(.named("Preserves.SignedInteger")).call(.unlabeled(name("$0").dot("offset"))))),
                            name("$0").dot("element"),
                        ])),
                    ])))))))])),
            .function(FunctionDescription(
                documentation: [
                    "A pattern requiring both `a` and `b` where one shape can say so (a discard gives way, groups",
                    "of the same type merge their entries); otherwise `a` (decoding checks the rest).",
                ],
                access: access, modifiers: ["static"], kind: .function("intersection"),
                parameters: [Parameter(label: "_", name: "a", type: selfType), Parameter(label: "_", name: "b", type: selfType)],
                result: selfType,
                body: [.switchStatement(.tuple([name("a"), name("b")]), [
                    SwitchCase(patterns: [.tuple([.enumCase("discard", bindings: nil), .wildcard])], body: [.returnStatement(name("b"))]),
                    SwitchCase(patterns: [.tuple([.wildcard, .enumCase("discard", bindings: nil)])], body: [.returnStatement(name("a"))]),
                    SwitchCase(
                        patterns: [.tuple([.enumCase("group", bindings: ["t1", "e1"]), .enumCase("group", bindings: ["t2", "e2"])])],
                        whereClause: .binary(name("t1"), "==", name("t2")),
                        body: [.returnStatement(member("group", .labeled("type", name("t1")), .labeled("entries",
                            name("e1").dot("merging").call(.unlabeled(name("e2")), .labeled("uniquingKeysWith", .closure(Closure(body: [
                                .expression(name("intersection").call(.unlabeled(name("$0")), .unlabeled(name("$1")))),
                            ])))))))]),
                    SwitchCase(patterns: [], body: [.returnStatement(name("a"))]),
                ])])),
        ]
    }
}

import BigInt
import Preserves
import Testing
import TestSupport

/// Equality, order and hashing exactly as the Preserves data model defines them, plus the
/// conveniences built on the model: literals, accessors, annotations, `mapEmbedded`, `stripped`.
@Suite struct ValueModelTests {
    typealias V = IOValue

    /// Checks that `values` are in strictly ascending Preserves order, pairwise, and that
    /// `==`, `<`, `compare(to:)` and hashing agree with that.
    func expectStrictlyAscending(_ values: [V], sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, a) in values.enumerated() {
            for (j, b) in values.enumerated() {
                let c = a.compare(to: b)
                let wanted = i < j ? -1 : (i == j ? 0 : 1)
                #expect(c.signum() == wanted, "compare(\(a), \(b)) = \(c)", sourceLocation: sourceLocation)
                #expect((a < b) == (i < j), "\(a) < \(b)", sourceLocation: sourceLocation)
                #expect((a == b) == (i == j), "\(a) == \(b)", sourceLocation: sourceLocation)
            }
        }
        #expect(Set(values).count == values.count, "distinct values must not collapse in a Set", sourceLocation: sourceLocation)
        var rng = SplitMix64(seed: UInt64(values.count))
        #expect(values.shuffled(using: &rng).sorted().elementsEqual(values), sourceLocation: sourceLocation)
    }

    // MARK: - Kinds

    @Test func kindsAreOrderedAsTheSpecificationSays() {
        // The largest value of each kind still sorts below the smallest of the next kind.
        let values: [V] = [
            true,
            .double(Double(bitPattern: 0x7FFF_FFFF_FFFF_FFFF)),  // the largest double: +NaN
            .integer(SignedInteger(BigInt(1) << 200)),
            .string("\u{10FFFF}\u{10FFFF}"),
            .byteString([0xFF, 0xFF, 0xFF]),
            .symbol("\u{10FFFF}"),
            .record(label: .embedded(IOEmbedded(1)), fields: [.embedded(IOEmbedded(2))]),
            [.embedded(IOEmbedded(1))],
            .set([.embedded(IOEmbedded(1))]),
            [.embedded(IOEmbedded(1)): .embedded(IOEmbedded(2))],
            .embedded(IOEmbedded(false)),
        ]
        expectStrictlyAscending(values)
        #expect(values.map(\.kind) == ValueKind.allCases)
        let smallest: [V] = [
            false, .double(Double(bitPattern: 0xFFFF_FFFF_FFFF_FFFF)), .integer(SignedInteger(-(BigInt(1) << 200))),
            "", .byteString([]), .symbol(""), .record(label: false, fields: []), [], .set([]), [:], .embedded(IOEmbedded(false)),
        ]
        expectStrictlyAscending(smallest)
        for (small, large) in zip(smallest, values) { #expect(small <= large) }
        #expect(ValueKind.boolean < ValueKind.double && ValueKind.dictionary < ValueKind.embedded)
        #expect(V.symbol("a").isAtom && !V.symbol("a").isCompound)
        #expect(V.record("a").isCompound && V.set([]).isCompound && !V.embedded(IOEmbedded(1)).isCompound)
        #expect(!V.embedded(IOEmbedded(1)).isAtom)
    }

    // MARK: - Atoms

    @Test func doublesFollowTotalOrderOnBits() {
        let bits: [UInt64] = [
            0xFFFF_FFFF_FFFF_FFFF,  // -NaN, largest payload
            0xFFF8_0000_0000_0001,
            0xFFF8_0000_0000_0000,  // -qNaN
            0xFFF0_0000_0000_0001,  // -sNaN
            0xFFF0_0000_0000_0000,  // -inf
        ]
        let finite: [Double] = [-.greatestFiniteMagnitude, -1e300, -1.5, -1, -.leastNormalMagnitude, -.leastNonzeroMagnitude]
        var values: [V] = bits.map { .double(Double(bitPattern: $0)) } + finite.map { .double($0) }
        values += [.double(-0.0), .double(0.0)]
        values += finite.reversed().map { .double(-$0) }
        values += [0x7FF0_0000_0000_0000, 0x7FF0_0000_0000_0001, 0x7FF8_0000_0000_0000, 0x7FF8_0000_0000_0001, 0x7FFF_FFFF_FFFF_FFFF]
            .map { .double(Double(bitPattern: $0)) }
        expectStrictlyAscending(values)

        #expect(V.double(-0.0) != V.double(0.0))
        #expect(V.double(-0.0) < V.double(0.0))
        #expect(V.double(.nan) == V.double(.nan), "a NaN equals itself")
        #expect(V.double(.nan).hashValue == V.double(.nan).hashValue)
        #expect(V.double(.nan) != V.double(Double(bitPattern: Double.nan.bitPattern | 1)), "NaN payloads differ")
        #expect(V.double(.nan) != V.double(-.nan))
        #expect(!(V.double(.nan) < V.double(.nan)))
        #expect(Set<V>([.double(0.0), .double(-0.0), .double(.nan), .double(.nan), .double(-.nan)]).count == 4)
        #expect([V.double(.nan): 1][V.double(.nan)] == 1, "a NaN key can be found again")
        #expect(V.double(1e300) < V.double(.infinity))
    }

    @Test func integersAndDoublesAreDifferentKinds() {
        #expect(V.integer(1) != V.double(1.0))
        #expect(V.double(1.0) < V.integer(1))
        #expect(V.double(1e300) < V.integer(-1), "every Double sorts below every SignedInteger")
        #expect(V.double(.infinity) < V.integer(SignedInteger(-(BigInt(1) << 100))))
        #expect(V.integer(0) != V.double(0.0))
        #expect(Set<V>([1, 1.0, 0, 0.0, -0.0]).count == 5)
        #expect(V.boolean(true) != V.integer(1) && V.boolean(false) != V.integer(0))
    }

    @Test func integersCompareNumericallyAcrossRepresentations() {
        let big = BigInt(1) << 100
        let values: [V] = [
            .integer(SignedInteger(-big)), .integer(SignedInteger(BigInt(Int.min) - 1)), .integer(SignedInteger(Int.min)),
            -129, -1, 0, 1, 127, 128, .integer(SignedInteger(Int.max)), .integer(SignedInteger(BigInt(Int.max) + 1)),
            .integer(SignedInteger(BigInt(UInt64.max))), .integer(SignedInteger(big)),
        ]
        expectStrictlyAscending(values)
        // A BigInt that fits in a machine word is the same value, with the same hash.
        let viaBig = V.integer(SignedInteger(BigInt(42)))
        #expect(viaBig == 42)
        #expect(viaBig.hashValue == V.integer(42).hashValue)
        #expect(Set<V>([viaBig, 42, .integer(SignedInteger(UInt8(42)))]).count == 1)
        #expect(V.integer(SignedInteger(decimal: "-98765432109876543210")!) == .integer(SignedInteger(-BigInt(stringLiteral: "98765432109876543210"))))
    }

    @Test func stringsCompareByScalarsNotCanonicalEquivalence() {
        let precomposed = "\u{E9}"
        let decomposed = "e\u{301}"
        #expect(precomposed == decomposed, "Swift considers them equal; Preserves must not")
        #expect(V.string(precomposed) != V.string(decomposed))
        #expect(V.string(decomposed) < V.string(precomposed), "'e' (U+0065) sorts before U+00E9")
        #expect(Set<V>([.string(precomposed), .string(decomposed)]).count == 2)
        #expect([V.string(precomposed): 1, V.string(decomposed): 2].count == 2)
        #expect(V.symbol(Symbol(precomposed)) != V.symbol(Symbol(decomposed)))
        #expect(Symbol(precomposed) != Symbol(decomposed))
        #expect(Set([Symbol(precomposed), Symbol(decomposed)]).count == 2)
        #expect(Set<V>([.symbol(Symbol(precomposed)), .symbol(Symbol(decomposed))]).count == 2)
        // Each is found under its own scalars only.
        let d: [V: V] = [.string(precomposed): 1]
        #expect(d[.string(decomposed)] == nil)
        #expect(d[.string(precomposed)] == 1)

        // Scalar order is UTF-8 order, not UTF-16 order: U+FFFF < U+10000.
        let strings: [V] = ["", "\u{0}", "A", "Z", "a", "ab", "b", "e\u{301}", "\u{E9}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}"]
        expectStrictlyAscending(strings)
        expectStrictlyAscending(strings.map { .symbol(Symbol($0.string!)) })
        #expect(Symbol("\u{FFFF}") < Symbol("\u{10000}"))
    }

    @Test func stringsSymbolsAndByteStringsAreDistinct() {
        #expect(V.string("a") != V.symbol("a"))
        #expect(V.string("a") != V.byteString([0x61]))
        #expect(V.byteString([0x61]) != V.symbol("a"))
        #expect(V.string("z") < V.byteString([]) && V.byteString([0xFF]) < V.symbol(""))
        #expect(Set<V>(["a", .symbol("a"), .byteString([0x61])]).count == 3)
        let bytes: [V] = [.byteString([]), .byteString([0]), .byteString([0, 0]), .byteString([1]), .byteString([0x7F]), .byteString([0x80]), .byteString([0xFF])]
        expectStrictlyAscending(bytes)
    }

    // MARK: - Compounds

    @Test func recordsCompareLabelThenFields() {
        let records: [V] = [
            .record(label: 1, fields: [99]),  // a non-symbol label sorts by its own kind
            .record(label: "a", fields: []),
            .record("a"),
            .record("a", 1),
            .record("a", 1, 1),
            .record("a", 2),
            .record("b", 0),
            .record(label: .record("a"), fields: []),
        ]
        expectStrictlyAscending(records)
        #expect(V.record("point", 1, 2) == .record(Record(label: .symbol("point"), fields: [1, 2])))
        #expect(V.record("point", 1, 2) != .record("point", 2, 1))
        #expect(V.record("a", 1) != V.sequence([.symbol("a"), 1]), "a record is not the sequence of its parts")
        #expect(V.record("z", 9) < [] as V, "every record sorts before every sequence")
    }

    @Test func sequencesAreLexicographic() {
        let seqs: [V] = [[], [false], [0], [1], [1, 1], [1, 2], [1, 2, 3], [2], [[]]]
        expectStrictlyAscending(seqs)
    }

    @Test func setsCompareAsSortedSequences() {
        let sets: [V] = [.set([]), .set([1]), .set([1, 2]), .set([1, 2, 3]), .set([1, 3]), .set([2]), .set(["a"])]
        expectStrictlyAscending(sets)
        // Built in different orders, a set is the same value with the same hash.
        let a = V.set(Set([3, 1, 2, "x", .symbol("x")]))
        var s = Set<V>()
        for v: V in [.symbol("x"), "x", 2, 3, 1] { s.insert(v) }
        #expect(a == .set(s))
        #expect(a.hashValue == V.set(s).hashValue)
        #expect(V.set([1]) != [1] as V)
    }

    @Test func dictionariesCompareAsSortedEntries() {
        let dicts: [V] = [
            [:],
            [0: 9],
            ["a": 1],
            ["a": 1, "b": 0],
            ["a": 2],
            ["b": 0],
        ]
        expectStrictlyAscending(dicts)
        var d1: [V: V] = [:]
        var d2: [V: V] = [:]
        for i in 0..<50 { d1[.integer(i)] = .string(String(i)) }
        for i in (0..<50).reversed() { d2[.integer(i)] = .string(String(i)) }
        #expect(V.dictionary(d1) == .dictionary(d2))
        #expect(V.dictionary(d1).hashValue == V.dictionary(d2).hashValue)
        d2[.integer(7)] = "seven"
        #expect(V.dictionary(d1) != .dictionary(d2))
        #expect(V.dictionary(d1) < .dictionary(d2), "\"7\" < \"seven\"")
    }

    @Test func embeddedValuesCompareByTheHostOrder() {
        let embeddeds: [V] = [.embedded(IOEmbedded(false)), .embedded(IOEmbedded(1)), .embedded(IOEmbedded(2)), .embedded(IOEmbedded("a"))]
        expectStrictlyAscending(embeddeds)
        #expect(V.embedded(IOEmbedded(1)) != 1)
        #expect(V.embedded(IOEmbedded(.embedded(IOEmbedded(1)))) != .embedded(IOEmbedded(1)))

        let handles: [Value<Handle>] = [.embedded(Handle(id: 1)), .embedded(Handle(id: 2))]
        #expect(handles[0] < handles[1])
        #expect(handles[1] > [Value<Handle>.integer(1)] as Value<Handle>)
    }

    /// Equality agrees with the canonical encoding, which is unique per value, and order and
    /// hashing are consistent with equality, on random values.
    @Test func equalityOrderAndHashAgreeOnRandomValues() throws {
        var gen = RandomValueGenerator(seed: 11, annotations: true, maxDepth: 3, maxWidth: 4)
        var values: [V] = (0..<130).map { _ in gen.value() }
        // Equal values built differently: decoded from text, annotations stripped or added.
        values += try values.prefix(30).map { try V(text: $0.text(options: .compact)) }
        values += values.prefix(30).map(\.stripped)
        values += values.prefix(20).map { $0.annotated(with: ["extra"]) }
        let encodings = values.map(\.canonicalBinary)
        let hashes = values.map(\.hashValue)
        var failures: [String] = []
        var equalPairs = 0
        for i in values.indices {
            for j in values.indices {
                let equal = values[i] == values[j]
                let c = values[i].compare(to: values[j])
                if equal { equalPairs += 1 }
                if equal != (encodings[i] == encodings[j]) { failures.append("== disagrees with canonical bytes: \(values[i]) vs \(values[j])") }
                if equal != (c == 0) { failures.append("== disagrees with compare: \(values[i]) vs \(values[j])") }
                if c.signum() != -values[j].compare(to: values[i]).signum() { failures.append("compare is not antisymmetric: \(values[i]) vs \(values[j])") }
                if equal && hashes[i] != hashes[j] { failures.append("equal values hash differently: \(values[i]) vs \(values[j])") }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(3))")
        #expect(equalPairs >= values.count + 2 * 80, "the copies should be equal to their originals")
        // Sorting is consistent: a total order leaves no adjacent pair out of place.
        let sorted = values.sorted()
        for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.compare(to: b) <= 0) }
        for (a, b) in zip(sorted, sorted.dropFirst().dropFirst()) { #expect(a.compare(to: b) <= 0) }
    }

    // MARK: - Annotations

    @Test func annotationsAreNotPartOfTheValue() {
        let plain: V = [1, .record("r", "x"), .set([2]), ["k": 3]]
        let annotated: V = V.sequence([
            V.integer(1).annotated(with: ["one"]),
            V.record("r", V.string("x").annotated(with: [.symbol("inner")])).annotated(with: [1, 2]),
            .set([V.integer(2).annotated(with: ["in a set"])]),
            [V.string("k").annotated(with: ["key"]): V.integer(3).annotated(with: ["value"])],
        ]).annotated(with: ["outer", V.symbol("a").annotated(with: ["annotation on an annotation"])])

        #expect(plain == annotated)
        #expect(plain.hashValue == annotated.hashValue)
        #expect(plain.compare(to: annotated) == 0)
        #expect(!(plain < annotated) && !(annotated < plain))
        #expect(Set([plain, annotated]).count == 1)
        #expect([plain: 1][annotated] == 1)
        #expect(V.integer(1).annotated(with: ["z"]) < V.integer(2).annotated(with: ["a"]))

        #expect(!plain.isIdentical(to: annotated))
        #expect(annotated.isIdentical(to: annotated))
        #expect(plain.isIdentical(to: annotated.stripped))
        #expect(annotated.stripped.isIdentical(to: plain))
        #expect(annotated.containsAnnotations && !plain.containsAnnotations && !annotated.stripped.containsAnnotations)

        // isIdentical sees the order of annotations, annotations on annotations, and inner ones.
        let ab = V.integer(1).annotated(with: ["a", "b"])
        #expect(!ab.isIdentical(to: V.integer(1).annotated(with: ["b", "a"])))
        #expect(!ab.isIdentical(to: V.integer(1).annotated(with: ["a"])))
        #expect(!V.integer(1).annotated(with: [V.string("a").annotated(with: ["x"])]).isIdentical(to: V.integer(1).annotated(with: ["a"])))
        #expect(!V.set([V.integer(1).annotated(with: ["x"])]).isIdentical(to: .set([1])))
        #expect(!V.dictionary([V.integer(1).annotated(with: ["x"]): 2]).isIdentical(to: [1: 2]))
        #expect(!V.dictionary([1: V.integer(2).annotated(with: ["x"])]).isIdentical(to: [1: 2]))
        #expect(!V.record(label: V.symbol("r").annotated(with: ["x"]), fields: []).isIdentical(to: .record("r")))
        // But values still have to be equal.
        #expect(!V.integer(1).annotated(with: ["a"]).isIdentical(to: V.integer(2).annotated(with: ["a"])))
    }

    @Test func annotatingPrependsAndNeverNests() {
        let v = V.integer(1).annotated(with: ["a"]).annotated(with: ["b", "c"])
        #expect(v.annotations == ["b", "c", "a"])
        #expect(v.unannotated.annotations.isEmpty)
        guard case .annotated(let a) = v else {
            Issue.record("expected an annotated value")
            return
        }
        if case .annotated = a.value { Issue.record("an annotated value wraps another annotated value") }
        #expect(Annotated(annotations: ["x"], value: v).annotations == ["x", "b", "c", "a"])
        #expect(V.integer(1).annotated(with: []).isIdentical(to: 1))
        #expect(V.integer(1).annotations.isEmpty)
        // `unannotated` removes only the outer annotations.
        let inner = V.sequence([V.integer(1).annotated(with: ["x"])]).annotated(with: ["y"])
        #expect(inner.unannotated.containsAnnotations)
        #expect(!inner.stripped.containsAnnotations)
    }

    @Test func strippedRemovesAnnotationsEverywhere() {
        let a: V = "ann"
        let messy = V.record(
            label: V.symbol("r").annotated(with: [a]),
            fields: [
                .set([V.integer(1).annotated(with: [a]), V.sequence([V.integer(2).annotated(with: [a])])]),
                .dictionary([V.symbol("k").annotated(with: [a]): V.dictionary([1: V.integer(2).annotated(with: [a])])]),
            ]
        ).annotated(with: [a])
        let clean = V.record(label: .symbol("r"), fields: [.set([1, [2]]), [.symbol("k"): [1: 2]]])
        #expect(messy.stripped.isIdentical(to: clean))
        #expect(!messy.stripped.containsAnnotations)
        #expect(messy.stripped.stripped.isIdentical(to: clean))
        #expect(clean.stripped.isIdentical(to: clean))
    }

    // MARK: - Literals and accessors

    @Test func literalsBuildTheExpectedValues() throws {
        let v: V = ["a", 1, true, 2.5, ["k": .symbol("v")]]
        let items = try #require(v.sequence)
        #expect(items.count == 5)
        #expect(items[0] == .string("a"))
        #expect(items[1] == .integer(1))
        #expect(items[2] == .boolean(true))
        #expect(items[3] == .double(2.5))
        #expect(items[4] == .dictionary([.string("k"): .symbol("v")]))
        #expect(v.text() == "[\"a\" 1 #t 2.5 {\"k\": v}]")
        #expect(items[4]["k"] == .symbol("v"))
        #expect(items[4][symbol: "k"] == nil, "the key is the string \"k\", not the symbol")
        #expect(V.record("point", 1, 2).text() == "<point 1 2>")
        #expect(V.record(label: "s", fields: []).text() == "<\"s\">")
        let dup: V = [1: "first", 1: "second"]
        #expect(dup == [1: "second"])
    }

    @Test func accessorsLookThroughAnnotations() throws {
        let ann: [V] = ["note", .symbol("n")]
        #expect(V.boolean(true).annotated(with: ann).bool == true)
        #expect(V.double(2.5).annotated(with: ann).double == 2.5)
        #expect(V.integer(7).annotated(with: ann).int == 7)
        #expect(V.integer(7).annotated(with: ann).integer == 7)
        #expect(V.string("s").annotated(with: ann).string == "s")
        #expect(V.byteString([1, 2]).annotated(with: ann).bytes == [1, 2])
        #expect(V.symbol("sym").annotated(with: ann).symbol == "sym")
        #expect(V.sequence([1]).annotated(with: ann).sequence == [1])
        #expect(V.set([1]).annotated(with: ann).set == [1])
        #expect(V.dictionary([1: 2]).annotated(with: ann).dictionary == [1: 2])
        #expect(V.embedded(IOEmbedded(3)).annotated(with: ann).embedded == IOEmbedded(3))
        #expect(V.symbol("sym").annotated(with: ann).kind == .symbol)

        let point = V.record("point", 1, V.integer(2).annotated(with: ann)).annotated(with: ann)
        let r = try #require(point.record(label: "point"))
        #expect(r.label == .symbol("point"))
        #expect(r.fields.count == 2)
        #expect(Array(r.fields) == [1, 2])
        #expect(r.fields[1].int == 2)
        #expect(point.record(label: "point", fieldCount: 2) != nil)
        #expect(point.record(label: "point", fieldCount: 3) == nil)
        #expect(point.record(label: "other") == nil)
        #expect(V.record(label: "point", fields: []).record(label: "point") == nil, "a string label is not a symbol label")
        #expect(point.record?.labelAndFields == [.symbol("point"), 1, 2])

        let dict = V.dictionary([.symbol("k"): 1, "k": 2, V.integer(3): 4]).annotated(with: ann)
        #expect(dict[symbol: "k"] == 1)
        #expect(dict["k"] == 2)
        #expect(dict[3] == 4)
        #expect(dict["missing"] == nil)
        #expect(V.integer(1)["k"] == nil)
    }

    @Test func accessorsReturnNilForOtherKinds() {
        #expect(V.symbol("a").string == nil)
        #expect(V.string("a").symbol == nil)
        #expect(V.double(1).int == nil && V.double(1).integer == nil)
        #expect(V.integer(1).double == nil)
        #expect(V.integer(1).bool == nil && V.boolean(true).int == nil)
        #expect(V.string("a").bytes == nil && V.byteString([0x61]).string == nil)
        #expect(V.sequence([]).set == nil && V.set([]).sequence == nil)
        #expect(V.sequence([]).record == nil && V.record("a").sequence == nil)
        #expect(V.sequence([]).dictionary == nil && V.integer(1).embedded == nil)
        // A SignedInteger too large for Int has no `int`, but it is an `integer`.
        let big = V.integer(SignedInteger(BigInt(1) << 70))
        #expect(big.int == nil)
        #expect(big.integer?.bigInt == BigInt(1) << 70)
    }

    @Test func recordFieldsCanBeReplaced() {
        var r = Record<IOEmbedded>(label: .symbol("r"), 1, 2, 3)
        #expect(r.fields.count == 3)
        r.label = .symbol("s")
        var fields = r.fields
        #expect(fields.startIndex == 0 && fields.endIndex == 3)
        fields = Record<IOEmbedded>(label: .symbol("ignored"), 9).fields
        r.fields = fields
        #expect(V.record(r) == .record("s", 9))
    }

    // MARK: - mapEmbedded

    struct Handle: PreservesEmbedded {
        var id: Int
        static func < (a: Handle, b: Handle) -> Bool { a.id < b.id }
    }

    struct NotAHandle: Error {}

    @Test func mapEmbeddedRebuildsEverywhereAndKeepsAnnotations() throws {
        func ref(_ n: Int) -> V { .embedded(IOEmbedded(.record("ref", .integer(n)))) }
        let source: V = V.record(
            "msg", ref(1),
            .set([ref(2), 5]),
            .dictionary([ref(3): ref(4)]),
            ref(5).annotated(with: [ref(6)])
        ).annotated(with: ["top"])
        let mapped: Value<Handle> = try source.mapEmbedded { e in
            guard let r = e.value.record(label: "ref"), let n = r.fields.first?.int else { throw NotAHandle() }
            return Handle(id: n)
        }
        func h(_ n: Int) -> Value<Handle> { .embedded(Handle(id: n)) }
        let expected = Value<Handle>.record(
            "msg", h(1),
            .set([h(2), 5]),
            .dictionary([h(3): h(4)]),
            h(5).annotated(with: [h(6)])
        ).annotated(with: ["top"])
        #expect(mapped.isIdentical(to: expected))
        #expect(mapped.annotations == ["top"])

        // Errors from the transform propagate.
        #expect(throws: NotAHandle.self) {
            let _: Value<Handle> = try V.sequence([1, .embedded(IOEmbedded("not a ref"))]).mapEmbedded { _ in throw NotAHandle() }
        }
        // And back again: the round trip is the identity.
        let back: V = mapped.mapEmbedded { h in IOEmbedded(.record("ref", .integer(h.id))) }
        #expect(back.isIdentical(to: source))
    }

    /// Parts without embedded values are reused, not rebuilt: the result must still behave as a
    /// value of the other embedding everywhere (equality, hashing, order, encoding, mutation).
    @Test func mapEmbeddedReusesPartsWithoutEmbeddedValues() throws {
        var generator = RandomValueGenerator(seed: 0xE4BED, annotations: true, embeddeds: true)
        for _ in 0..<500 {
            let source = generator.value()
            var n = 0
            let mapped: Value<Handle> = source.mapEmbedded { _ in n += 1; return Handle(id: n) }
            var m = 0
            let expected: Value<Handle> = Self.rebuilt(source, next: { m += 1; return Handle(id: m) })
            #expect(n == m)
            #expect(mapped.isIdentical(to: expected), "\(source)")
            #expect(mapped == expected && mapped.hashValue == expected.hashValue && !(mapped < expected) && !(expected < mapped))
            let writer = BinaryWriter<Handle>(options: .annotated) { .integer(SignedInteger($0.id)) }
            #expect(writer.encode(mapped) == writer.encode(expected))
            // Mutating the reused storage copies it as for any value, leaving the source alone.
            if case .sequence(var items) = mapped {
                items.append(.symbol("extra"))
                #expect(Value<Handle>.sequence(items) != expected)
                #expect(source.sequence?.count == items.count - 1)
            }
            if case .set(var items) = mapped {
                items.insert(.symbol("extra-element-for-set"))
                #expect(items.contains(.symbol("extra-element-for-set")))
                #expect(source.set?.contains(.symbol("extra-element-for-set")) == false)
                for item in expected.set ?? [] { #expect(items.contains(item)) }
            }
        }
        #expect(MemoryLayout<V>.size == MemoryLayout<Value<Handle>>.size)
    }

    /// The rebuilding `mapEmbedded` had: every part built afresh.
    static func rebuilt(_ v: V, next: () -> Handle = { Handle(id: 0) }) -> Value<Handle> {
        switch v {
        case .boolean(let b): return .boolean(b)
        case .double(let d): return .double(d)
        case .integer(let i): return .integer(i)
        case .string(let s): return .string(s)
        case .byteString(let b): return .byteString(b)
        case .symbol(let s): return .symbol(s)
        case .record(let r): return .record(Record(label: rebuilt(r.label, next: next), fields: r.fields.map { rebuilt($0, next: next) }))
        case .sequence(let items): return .sequence(items.map { rebuilt($0, next: next) })
        case .set(let items):
            var out = Set<Value<Handle>>()
            for item in items { out.insert(rebuilt(item, next: next)) }
            return .set(out)
        case .dictionary(let entries):
            var out: [Value<Handle>: Value<Handle>] = [:]
            for (k, value) in entries { out[rebuilt(k, next: next)] = rebuilt(value, next: next) }
            return .dictionary(out)
        case .embedded: return .embedded(next())
        case .annotated(let a):
            return .annotated(Annotated(annotations: a.annotations.map { rebuilt($0, next: next) }, value: rebuilt(a.value, next: next)))
        }
    }

    @Test func descriptionIsCompactText() {
        let v = V.record("r", V.string("s\n").annotated(with: [.symbol("a")]), .set([2, 1]), .embedded(IOEmbedded(1)))
        #expect(v.description == "<r @a \"s\\n\" #{1 2} #:1>")
        #expect(Symbol("needs quoting").description == "'needs quoting'")
        #expect(Symbol("plain").description == "plain")
    }
}

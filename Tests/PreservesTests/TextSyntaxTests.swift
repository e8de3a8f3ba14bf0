import BigInt
import Preserves
import Testing
import TestSupport

/// The text syntax (preserves-text 0.996): every atom form, comments and annotations,
/// embeddeds, the comma rules, error kinds and positions, and the printer's output.
@Suite struct TextSyntaxTests {
    typealias V = IOValue

    static let plain = TextReader<IOEmbedded>()
    static let keeping = TextReader<IOEmbedded>(keepAnnotations: true)

    func read(_ text: String, keep: Bool = false) throws -> V {
        try (keep ? Self.keeping : Self.plain).decode(text)
    }

    func error(_ text: String, keep: Bool = false) -> TextParseError? {
        do {
            let v = try (keep ? Self.keeping : Self.plain).decode(text)
            Issue.record("\(text.debugDescription) read as \(v) but should fail")
            return nil
        } catch {
            return error
        }
    }

    func expectKind(_ kind: TextParseError.Kind, _ texts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for text in texts {
            let e = error(text)
            #expect(e?.kind == kind, "\(text.debugDescription): \(String(describing: e))", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Atoms

    @Test func booleans() throws {
        #expect(try read("#t") == true)
        #expect(try read("#f") == false)
        #expect(try read("[#f#f]") == [false, false], "# is a delimiter")
        #expect(try read("[#t\"x\"#f]") == [true, "x", false])
        #expect(try read("{#t:#f}") == [true: false])
        #expect(try read("<#t>") == .record(label: true, fields: []))
        expectKind(.malformed, ["[#ffoo]", "#true", "#f1", "#té"])
    }

    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("+127", "127"), ("01", "1"), ("-129", "-129"), ("007", "7"),
        ("9223372036854775807", "9223372036854775807"), ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "9223372036854775808"), ("-9223372036854775809", "-9223372036854775809"),
        ("123456789012345678901234567890123456789012", "123456789012345678901234567890123456789012"),
        ("-000000000000000000000000000001", "-1"),
    ])
    func integers(text: String, decimal: String) throws {
        let v = try read(text)
        #expect(v.integer == SignedInteger(decimal: decimal), "\(text)")
        #expect(v.integer?.description == decimal)
        if let n = Int(decimal) { #expect(v.int == n) } else { #expect(v.int == nil) }
    }

    @Test(arguments: [
        ("1.0", 1.0), ("-0.0", -0.0), ("+0.0", 0.0), ("0.0", 0.0), ("1e0", 1.0), ("1.0e-0", 1.0), ("1E3", 1000.0),
        ("1.5e+10", 1.5e10), ("-2.5E-3", -2.5e-3), ("1e300", 1e300), ("123.456", 123.456), ("+1.5", 1.5),
        ("2.2250738585072014e-308", 2.2250738585072014e-308), ("1e-323", 2 * .leastNonzeroMagnitude), ("5e-324", .leastNonzeroMagnitude), ("0.1", 0.1),
        ("1.7976931348623157e308", .greatestFiniteMagnitude), ("-1.7976931348623157E+308", -.greatestFiniteMagnitude),
    ])
    func doubles(text: String, expected: Double) throws {
        let v = try read(text)
        let d = try #require(v.double, "\(text) should read as a Double, got \(v)")
        #expect(d.bitPattern == expected.bitPattern, "\(text) → \(d)")
    }

    @Test(arguments: ["1.", ".5", "1.0e", "1e", "1e+", "0x10", "1_000", "1-2-3", "+1.x", "---1", "-", "+", "...", "1.5f", "1..2", "-.5", "1.0.0", "e5", "+-1", "1e5.0"])
    func numberLookalikesAreSymbols(text: String) throws {
        #expect(try read(text) == .symbol(Symbol(text)))
        #expect(try read("[\(text)]") == [.symbol(Symbol(text))])
    }

    @Test func hexDoubles() throws {
        func bits(_ text: String) throws -> UInt64? { try read(text).double?.bitPattern }
        #expect(try bits("#xd\"3ff0000000000000\"") == 0x3FF0_0000_0000_0000)
        #expect(try bits("#xd\"7ff8000000000001\"") == 0x7FF8_0000_0000_0001, "NaN payloads are kept")
        #expect(try bits("#xd\"fff8000000000000\"") == 0xFFF8_0000_0000_0000)
        #expect(try bits("#xd\"7ff0000000000000\"") == Double.infinity.bitPattern)
        #expect(try bits("#xd\"fff0000000000000\"") == (-Double.infinity).bitPattern)
        #expect(try bits("#xd\"7FF0000000000001\"") == 0x7FF0_0000_0000_0001, "upper-case digits")
        #expect(try bits("#xd\"3f f0 00 00\n00 00 00 00\"") == 0x3FF0_0000_0000_0000, "whitespace between pairs")
        #expect(try bits("#xd\"8000000000000000\"") == (-0.0 as Double).bitPattern)
        expectKind(.malformed, [
            "#xd\"3ff00000000000\"",  // 14 digits
            "#xd\"3ff000000000000000\"",  // 18 digits
            "#xd\"3ff000000000000\"",  // odd
            "#xd\"3ff00000000000zz\"",
            "#xd\"3 ff0000000000000\"",  // a split pair
            "#xd\"3ff0,000000000000\"",
            "#xd 3ff0000000000000",
        ])
        expectKind(.truncated, ["#xd\"3ff0", "#xd\"", "#xd"])
    }

    @Test func strings() throws {
        #expect(try read(#""""#) == "")
        #expect(try read(#""\\ \/ \" \b \f \n \r \t""#) == "\\ / \" \u{8} \u{C} \n \r \t")
        #expect(try read(#""\u0041\u00e9\u00E9\u0000\u001f""#) == "A\u{E9}\u{E9}\u{0}\u{1F}")
        #expect(try read(#""\uD834\uDD1E""#) == "\u{1D11E}", "a surrogate pair makes one scalar")
        #expect(try read(#""\ud83d\ude00!""#) == "\u{1F600}!")
        #expect(try read("\"raw\nnewline\ttab é 😀 \u{0}\"") == "raw\nnewline\ttab é 😀 \u{0}")
        #expect(try read("\"e\u{301}\"").string?.unicodeScalars.count == 2, "no normalisation")
        #expect(try read("\"'\"") == "'")
        expectKind(.malformed, [
            #""\x41""#, #""\a""#, #""\'""#, #""\u12""#, #""\u12g4""#,
            #""\uD834""#,  // lone high surrogate
            #""\uDD1E""#,  // lone low surrogate
            #""\uDD1E\uD834""#,  // swapped
            #""\uD834\uD834""#,  // doubled high
            #""\uD834x""#, #""\uD834\n""#,
        ])
        expectKind(.truncated, [#""abc"#, #""\"#, #""\u00"#, #""\uD834"#, #""\uD834\"#, #""\uD834\uDD"#])
    }

    @Test func quotedSymbols() throws {
        #expect(try read("'a b'") == .symbol("a b"))
        #expect(try read("''") == .symbol(""))
        #expect(try read(#"'\''"#) == .symbol("'"))
        #expect(try read(#"'\u0041\\\/\n'"#) == .symbol("A\\/\n"))
        #expect(try read(#"'\uD834\uDD1E'"#) == .symbol("\u{1D11E}"))
        #expect(try read("'1'") == .symbol("1"))
        #expect(try read("'1'") != 1)
        #expect(try read("'a'") == read("a"))
        #expect(try read("'\"'") == .symbol("\""))
        expectKind(.malformed, [#"'\x'"#, #"'\uDD1E'"#])
        expectKind(.truncated, ["'abc", #"'\'"#])
    }

    @Test func bareSymbols() throws {
        for text in ["abc", "a-b", "a/b", "|x|", "a.b", "=sym", "~!$%^&*?_=+-/.|", "é", "日本語", "😀", "x1", "a|b", "Ab_9"] {
            #expect(try read(text) == .symbol(Symbol(text)), "\(text)")
        }
        // Delimiters end a symbol.
        #expect(try read("[a[b]c{d: e}f<g>h\"i\"j'k'l#t m@n o]") == [
            .symbol("a"), [.symbol("b")], .symbol("c"), [.symbol("d"): .symbol("e")], .symbol("f"), .record("g"),
            .symbol("h"), "i", .symbol("j"), .symbol("k"), .symbol("l"), true, .symbol("m"), .symbol("o"),
        ])
        #expect(try read("@a@b@c[]", keep: true).annotations == [.symbol("a"), .symbol("b"), .symbol("c")])
        expectKind(.malformed, ["a;b", "\u{1}", "\u{7F}", "`", "a\u{A0}b"])
    }

    @Test func byteStrings() throws {
        #expect(try read(#"#"""#) == .byteString([]))
        #expect(try read(#"#"abc""#) == .byteString(Array("abc".utf8)))
        #expect(try read(#"#"\x41\x00\xff\xFF""#) == .byteString([0x41, 0, 0xFF, 0xFF]))
        #expect(try read(#"#"\"\\\/\b\f\n\r\t""#) == .byteString([0x22, 0x5C, 0x2F, 8, 12, 10, 13, 9]))
        #expect(try read(#"#" ~""#) == .byteString([0x20, 0x7E]))
        expectKind(.malformed, [#"#"\u0041""#, "#\"é\"", "#\"a\nb\"", #"#"\x4""#, #"#"\xg0""#, #"#"\q""#, "#\"\u{7F}\""])
        expectKind(.truncated, [#"#"abc"#, #"#"\"#, #"#"\x4"#])

        #expect(try read(#"#x"""#) == .byteString([]))
        #expect(try read(#"#x"414243""#) == .byteString([0x41, 0x42, 0x43]))
        #expect(try read("#x\" 41 42\n43\t\"") == .byteString([0x41, 0x42, 0x43]))
        #expect(try read(#"#x"DeadBEEF""#) == .byteString([0xDE, 0xAD, 0xBE, 0xEF]))
        expectKind(.malformed, [#"#x"414""#, #"#x"414 243""#, #"#x"41,42""#, #"#x"zz""#, "#xq\"\"", "[#xq]"])
        expectKind(.truncated, [#"#x"41"#, #"#x"4"#, "#x"])

        #expect(try read("#[]") == .byteString([]))
        #expect(try read("#[SGk=]") == .byteString(Array("Hi".utf8)))
        #expect(try read("#[SGk]") == .byteString(Array("Hi".utf8)))
        #expect(try read("#[ S G\nk = ]") == .byteString(Array("Hi".utf8)))
        #expect(try read("#[SGVsbG8gV29ybGQ=]") == .byteString(Array("Hello World".utf8)))
        #expect(try read("#[SGVsbG8gV29ybGQ]") == .byteString(Array("Hello World".utf8)))
        #expect(try read("#[+/8=]") == .byteString([0xFB, 0xFF]))
        #expect(try read("#[-_8]") == .byteString([0xFB, 0xFF]), "URL-safe alphabet")
        #expect(try read("#[AA==]") == .byteString([0]))
        #expect(try read("#[AAAA]") == .byteString([0, 0, 0]))
        expectKind(.malformed, ["#[A]", "#[S*k]", "#[SGk=x]", "#[SG,k]", "#[SGk\"]"])
        expectKind(.truncated, ["#[SGk", "#["])
    }

    @Test func hashXFollowedByAnythingElseIsMalformedEvenAtTheEnd() {
        // `#x` followed by a character other than `"` or `d"` can never become valid, so it is
        // malformed wherever it is, including when it ends the input.
        expectKind(.malformed, ["#xq", "#xy", "#x1", "[#xq]", "#xq "])
        expectKind(.truncated, ["#x", "#xd"])
    }

    // MARK: - Comments and annotations

    @Test func commentsBecomeAnnotationsOnlyWhenKept() throws {
        let text = "# a comment\n@ann [1 # on two\n 2]"
        let kept = try read(text, keep: true)
        #expect(kept.annotations == ["a comment", .symbol("ann")])
        #expect(kept.sequence?[1].annotations == ["on two"])
        let dropped = try read(text)
        #expect(dropped.isIdentical(to: [1, 2]))
        #expect(!dropped.containsAnnotations)

        #expect(try read("#\n1", keep: true).annotations == [""], "# then a line break is an empty comment")
        #expect(try read("#\r\n1", keep: true).annotations == [""])
        #expect(try read("#\ttab comment\n1", keep: true).annotations == ["tab comment"])
        #expect(try read("#  two spaces\n1", keep: true).annotations == [" two spaces"], "only the first space goes")
        #expect(try read("# crlf \r\n1", keep: true).annotations == ["crlf "])
        #expect(try read("1 # trailing comment", keep: true).isIdentical(to: 1))
        #expect(try read("@\"s\" @<r> @[x] 1", keep: true).annotations == ["s", .record("r"), [.symbol("x")]])
        #expect(try read("@@a b c", keep: true).isIdentical(to: V.symbol("c").annotated(with: [V.symbol("b").annotated(with: [.symbol("a")])])))
        #expect(try read("@a 1").isIdentical(to: 1))
        expectKind(.malformed, ["#q", "#,", "[1 @x]", "{a: 1 @x}", "<r @x>"])
        expectKind(.truncated, ["@a", "@", "@a @b"])
    }

    @Test func interpreterLines() throws {
        let v = try read("#!/usr/bin/env preserves-tool\n[1]", keep: true)
        #expect(v.annotations == [.record("interpreter", "/usr/bin/env preserves-tool")])
        #expect(v.unannotated == [1])
        #expect(try read("#!/bin/x\n[1]").isIdentical(to: [1]))
        #expect(try read("#!\n1", keep: true).annotations == [.record("interpreter", "")])
    }

    @Test func embedded() throws {
        #expect(try read("#:1") == .embedded(IOEmbedded(1)))
        #expect(try read("#:#:0") == .embedded(IOEmbedded(.embedded(IOEmbedded(0)))))
        #expect(try read("#:[1 2]") == .embedded(IOEmbedded([1, 2])))
        #expect(try read("[#:a #:b]") == [.embedded(IOEmbedded(.symbol("a"))), .embedded(IOEmbedded(.symbol("b")))])
        #expect(try read("#:@x 1", keep: true).embedded?.value.annotations == [.symbol("x")])
        expectKind(.truncated, ["#:", "[#:"])
        expectKind(.malformed, ["#:]", "[#:]"])
        // A value type without embeddeds rejects them.
        do {
            let v = try TextReader<Never>().decode("[1 #:2]")
            Issue.record("Value<Never> read \(v)")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.column == 4)
        }
        #expect(try TextReader<Never>().decode("[1 2]") == [1, 2])
    }

    // MARK: - Commas

    @Test func commasWhereAllowed() throws {
        #expect(try read("[,, 1,, 2,,]") == [1, 2])
        #expect(try read("[1,2]") == [1, 2])
        #expect(try read("[,]") == [])
        #expect(try read("#{,1,,2,}") == .set([1, 2]))
        #expect(try read("{,, a: 1,, b: 2,,}") == [.symbol("a"): 1, .symbol("b"): 2])
        #expect(try read("{a: 1, b: 2}") == [.symbol("a"): 1, .symbol("b"): 2])
        #expect(try read("[@a 1, @b 2]", keep: true).sequence?.map(\.annotations) == [[.symbol("a")], [.symbol("b")]])
    }

    @Test func commasWhereForbidden() {
        expectKind(.malformed, [
            "<a, b>", "<a ,b>", "<,a>", "<a b,>",  // records
            "@a, b", "@,a b", "[@a, 1]",  // after @ or between an annotation and its value
            "{a:, 1}", "{a ,: 1}", "{a: ,1}", "{a,: 1}",  // around ':'
            "#x\"41,42\"", ",", "1,", ", 1", "#:,1",
        ])
    }

    // MARK: - Errors: kinds and positions

    @Test func errorKinds() {
        expectKind(.endOfInput, [""])
        expectKind(.truncated, ["[", "{", "#{ 1 2 3 ", "<", "<a", "\"abc", "   ", "\n\t", "# only a comment\n", "#!x\n", "{a", "{a:", "{a: 1", "[1 2", "#"])
        expectKind(.malformed, [
            "]", "}", ">", "<>", "#{1 1}", "{a: 1 a: 2}", ";", "a:b", ":", "{a 1}", "{a: 1 b}", "1 2", "[1] [2]", "[1 # c\n]]",
            "{a: 1]", "[1}", "#{a: 1}",
        ])
    }

    @Test(arguments: [
        // (input, kind, line, column)
        ("{\n  a: 1\n  b 2\n}", TextParseError.Kind.malformed, 3, 5),
        ("[\n  \"héllo\" ; ]", .malformed, 2, 11),
        ("[1\n2\n  😀 ]]", .malformed, 3, 6),
        ("[1\n 2", .truncated, 2, 3),
        ("\"line1\nline2 \\q\"", .malformed, 2, 7),
        ("[1\r\n ;]", .malformed, 2, 2),
        ("[\n\n\n        ]]", .malformed, 4, 10),
        ("# é comment\n[é e\u{301} ;]", .malformed, 2, 7),
        ("{a: 1\n a: 2}", .malformed, 2, 2),
        ("#{\n😀😀 😀😀}", .malformed, 2, 4),
        ("<r\n  #xd\"00\">", .malformed, 2, 3),
        ("[#x\"41\n  4 2\"]", .malformed, 2, 4),
    ])
    func errorPositions(text: String, kind: TextParseError.Kind, line: Int, column: Int) throws {
        let e = try #require(error(text))
        #expect(e.kind == kind, "\(e)")
        #expect(e.line == line, "\(text.debugDescription): \(e)")
        #expect(e.column == column, "\(text.debugDescription): \(e)")
        #expect(e.description.hasPrefix("\(e.line):\(e.column): "))
    }

    @Test func decodeAllReadsEveryValue() throws {
        #expect(try Self.plain.decodeAll("1 2 3") == [1, 2, 3])
        #expect(try Self.plain.decodeAll("") == [])
        #expect(try Self.plain.decodeAll("  # just a comment\n ") == [])
        #expect(try Self.plain.decodeAll("<a> [b] {c: d} #t\n\"s\"").count == 5)
        #expect(try Self.plain.decodeAll("1\"a\"[]b") == [1, "a", [], .symbol("b")])
        let kept = try Self.keeping.decodeAll("# first\n1\n# second\n2")
        #expect(kept.map(\.annotations) == [["first"], ["second"]])
        #expect(try Self.plain.decodeAll(utf8: Array("[1] [2]".utf8)) == [[1], [2]])
        do {
            _ = try Self.plain.decodeAll("[1] [2")
            Issue.record("should fail")
        } catch {
            #expect(error.kind == .truncated)
        }
        do {
            _ = try Self.plain.decodeAll("1 ] 2")
            Issue.record("should fail")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.column == 3)
        }
    }

    @Test func utf8Input() throws {
        #expect(try Self.plain.decode(utf8: Array("[\"é\" 😀]".utf8)) == ["é", .symbol("😀")])
        do {
            _ = try Self.plain.decode(utf8: [0x5B, 0x22, 0xFF, 0x22, 0x5D])
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.offset == 2)
        }
    }

    // MARK: - Printer

    static let compact = TextWriter<IOEmbedded>(options: .compact)

    @Test func compactOutput() {
        let cases: [(V, String)] = [
            (true, "#t"), (false, "#f"), (0, "0"), (-129, "-129"),
            (.integer(SignedInteger(BigInt(1) << 100)), "1267650600228229401496703205376"),
            (1.0, "1.0"), (-0.0, "-0.0"), (0.1, "0.1"), (100.0, "100.0"), (1e300, "1e+300"), (1e16, "1e+16"), (1e-7, "1e-07"),
            (.double(.nan), "#xd\"7ff8000000000000\""), (.double(.infinity), "#xd\"7ff0000000000000\""),
            (.double(-.infinity), "#xd\"fff0000000000000\""), (.double(Double(bitPattern: 0xFFF0_0000_0000_0001)), "#xd\"fff0000000000001\""),
            ("", "\"\""), ("a\"b\\c\n\t\r\u{8}\u{C}\u{0}\u{1F}\u{7F}é/'", #""a\"b\\c\n\t\r\b\f\u0000\u001f\u007fé/'""#),
            (.byteString(Array("abc".utf8)), "#\"abc\""), (.byteString(Array("a\"b\\".utf8)), #"#"a\"b\\""#),
            (.byteString([0, 0xFF]), "#x\"00ff\""), (.byteString([]), "#\"\""),
            (.symbol("a"), "a"), (.symbol("a b"), "'a b'"), (.symbol("1"), "'1'"), (.symbol(""), "''"), (.symbol("'"), #"'\''"#),
            (.record("point", 1, 2), "<point 1 2>"), (.record(label: [1], fields: ["x"]), "<[1] \"x\">"),
            ([1, [2, []], "x"], "[1 [2 []] \"x\"]"), ([], "[]"), (.set([]), "#{}"), ([:], "{}"),
            (.set([3, 1, 2]), "#{1 2 3}"),
            (.set([.symbol("a"), "a", 1, 1.0, false, []]), "#{#f 1.0 1 \"a\" a []}"),
            (["s": 1, 3: 2, .symbol("a"): 3, true: 4], "{#t: 4 3: 2 \"s\": 1 a: 3}"),
            ([.symbol("b"): 1, .symbol("a"): 2, .symbol("c"): [.symbol("z"): 1, .symbol("y"): 2]], "{a: 2 b: 1 c: {y: 2 z: 1}}"),
            (.embedded(IOEmbedded(.symbol("cap"))), "#:cap"), (.embedded(IOEmbedded(.embedded(IOEmbedded(0)))), "#:#:0"),
            (V.integer(1).annotated(with: ["c", .symbol("a")]), "@\"c\" @a 1"),
            ([V.integer(1).annotated(with: [V.symbol("a").annotated(with: [.symbol("b")])])], "[@@b a 1]"),
        ]
        for (value, text) in cases {
            #expect(Self.compact.write(value) == text, "\(text)")
            let back = try? Self.keeping.decode(text)
            #expect(back?.isIdentical(to: value) == true, "\(text) reads back as \(String(describing: back))")
        }
        #expect(TextWriter<IOEmbedded>(options: .init(keepAnnotations: false)).write(V.integer(1).annotated(with: ["c"])) == "1")
    }

    @Test func longNonPrintableByteStringsRoundTrip() throws {
        for n in [63, 64, 65, 100, 255] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            let text = Self.compact.write(.byteString(bytes))
            #expect(try read(text) == .byteString(bytes), "\(text)")
        }
    }

    @Test(arguments: [
        "", "1", "-1", "+1", "1.5", "1e3", "-0.0", "01", "1.", ".5", "-", "+", "...", "a b", "a:b", "a,b", "a;b", "#t", "@a",
        "[", "]", "{", "<a>", "'", "\"", "\\", "a\nb", "tab\there", "\u{0}", "\u{7F}", "é", "e\u{301}", "\u{301}", "😀",
        "\u{A0}", "\u{2028}", "\u{FEFF}", "|", "||", "a#b", "#", "x@y", "/", "1-2", "--1", "+1.x", "1e", "12345678901234567890",
    ])
    func symbolsRoundTrip(name: String) throws {
        let text = Self.compact.write(.symbol(Symbol(name)))
        let back = try read(text)
        #expect(back == .symbol(Symbol(name)), "\(name.debugDescription) printed as \(text)")
        #expect(back.symbol?.name.unicodeScalars.elementsEqual(name.unicodeScalars) == true)
        // Also inside compounds, next to other tokens.
        let inList = Self.compact.write([.symbol(Symbol(name)), 1, .symbol(Symbol(name))])
        #expect(try read(inList) == [.symbol(Symbol(name)), 1, .symbol(Symbol(name))], "\(inList)")
        let asKey = Self.compact.write([.symbol(Symbol(name)): .symbol(Symbol(name))])
        #expect(try read(asKey) == [.symbol(Symbol(name)): .symbol(Symbol(name))], "\(asKey)")
    }

    @Test func stringsWithEveryControlCharacterRoundTrip() throws {
        let all = String(String.UnicodeScalarView((0...0x7F).map { Unicode.Scalar(UInt8($0)) }))
        for s in [all, "\u{80}\u{9F}\u{2028}\u{2029}\u{FEFF}\u{FFFF}\u{10FFFF}", "e\u{301}\u{E9}"] {
            let text = Self.compact.write(.string(s))
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 }, "control characters are escaped: \(text.debugDescription)")
            let back = try read(text)
            #expect(back.string?.unicodeScalars.elementsEqual(s.unicodeScalars) == true)
        }
        var gen = RandomValueGenerator(seed: 31)
        for _ in 0..<300 {
            let s = gen.text()
            let back = try read(Self.compact.write(.string(s)))
            #expect(back.string?.unicodeScalars.elementsEqual(s.unicodeScalars) == true, "\(s.debugDescription)")
        }
    }

    @Test func doublesPrintReadablyAndRoundTripBitExact() throws {
        var rng = SplitMix64(seed: 32)
        var patterns: [UInt64] = [
            0, 0x8000_0000_0000_0000, 1, 0x7FEF_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000, 0x000F_FFFF_FFFF_FFFF,
            0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF0_0000_0000_0001,
            0xFFFF_FFFF_FFFF_FFFF, 0x7FF4_0000_0000_0000, (1e22 as Double).bitPattern, Double.leastNonzeroMagnitude.bitPattern,
        ]
        for _ in 0..<2000 { patterns.append(rng.next()) }
        // Also doubles with small exponents, which print in positional notation.
        for _ in 0..<500 { patterns.append((rng.next() & 0x800F_FFFF_FFFF_FFFF) | (UInt64(1000 + rng.below(90)) << 52)) }
        for bits in patterns {
            let d = Double(bitPattern: bits)
            let text = Self.compact.write(.double(d))
            if d.isFinite {
                #expect(text.contains(".") || text.contains("e"), "\(text) would read back as an integer")
                #expect(!text.hasPrefix("#"))
            } else {
                #expect(text.hasPrefix("#xd\"") && text.count == 21, "\(text)")
            }
            let back = try read(text).double
            #expect(back?.bitPattern == bits, "\(String(bits, radix: 16)) printed as \(text)")
        }
    }

    // MARK: - Indented layout

    @Test func shortValuesStayOnOneLine() {
        let indented = TextWriter<IOEmbedded>(options: .indented)
        for v: V in [[1, 2, 3], .record("point", 1, 2), ["a": [1, 2]], .set([1]), 1, "s", V.integer(1).annotated(with: ["a"])] {
            #expect(indented.write(v) == Self.compact.write(v))
            #expect(!indented.write(v).contains("\n"))
        }
    }

    @Test func longValuesAreBrokenOverLines() throws {
        let items: [V] = (0..<12).map { .string(String(repeating: Character(Unicode.Scalar(UInt8(97 + $0))), count: 10)) }
        let list = V.sequence(items)
        let text = TextWriter<IOEmbedded>(options: .indented).write(list)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 14)
        #expect(lines.first == "[" && lines.last == "]")
        #expect(lines[1] == "  \"aaaaaaaaaa\"")
        #expect(try read(text) == list)

        let four = TextWriter<IOEmbedded>(options: TextWriterOptions(indent: 4)).write(list)
        #expect(four.split(separator: "\n")[1] == "    \"aaaaaaaaaa\"")
    }

    @Test func indentedOutputIsWellFormedAndReadsBack() throws {
        var gen = RandomValueGenerator(seed: 33, annotations: true, maxDepth: 4, maxWidth: 6)
        var multiLine = 0
        for width in [0, 20, 40, 80] {
            for indent in [1, 2, 4] {
                let writer = TextWriter<IOEmbedded>(options: TextWriterOptions(indent: indent, width: width))
                for _ in 0..<25 {
                    let v = gen.value()
                    let text = writer.write(v)
                    let back = try Self.keeping.decode(text)
                    #expect(back.isIdentical(to: v), "\(text)")
                    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                    if lines.count > 1 { multiLine += 1 }
                    for line in lines {
                        let leading = line.prefix { $0 == " " }.count
                        #expect(leading % indent == 0, "indentation \(leading) is not a multiple of \(indent)")
                        #expect(!line.hasSuffix(" "), "trailing space in \(line.debugDescription)")
                    }
                }
            }
        }
        #expect(multiLine > 50, "most random values are too wide for these widths")
    }

    @Test func indentedDictionariesRecordsAndAnnotations() throws {
        let v: V = V.dictionary([
            .symbol("key"): .record("rec", .string(String(repeating: "x", count: 50)), .string(String(repeating: "y", count: 50))),
            .symbol("a"): [1, 2, 3],
        ]).annotated(with: ["a comment"])
        let text = TextWriter<IOEmbedded>(options: .indented).write(v)
        #expect(text.contains("\n"))
        #expect(text.hasPrefix("@\"a comment\" {"))
        #expect(text.contains("\n  a: [1 2 3]\n"), "sorted, and the short entry stays on one line: \(text)")
        #expect(try read(text, keep: true).isIdentical(to: v))
        #expect(TextWriter<IOEmbedded>(options: TextWriterOptions(indent: 2, keepAnnotations: false)).write(v).hasPrefix("{"))
        #expect(v.text(options: .indented) == text)
    }
}

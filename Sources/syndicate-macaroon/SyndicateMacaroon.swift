import ArgumentParser
import Foundation
import Preserves
import Syndicate
import SyndicateProtocols

@main
struct SyndicateMacaroon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syndicate-macaroon",
        abstract: "Mint, attenuate and check sturdy refs (Syndicate capabilities written as data).",
        version: ToolkitVersion.current,
        subcommands: [Mint.self, Attenuate.self, Check.self]
    )
}

/// The secret a ref is signed with.
struct KeyOptions: ParsableArguments {
    @Option(name: .long, help: "The key as text (its UTF-8 bytes).")
    var phrase: String?

    @Option(name: .long, help: "The key as hex digits (\"\" is the empty key of the well-known ref).")
    var hex: String?

    func key() throws -> [UInt8] {
        switch (phrase, hex) {
        case (let p?, nil): return Array(p.utf8)
        case (nil, let h?):
            let digits = Array(h.filter { !$0.isWhitespace })
            guard digits.count % 2 == 0 else { throw ValidationError("--hex needs an even number of digits") }
            return try stride(from: 0, to: digits.count, by: 2).map { i in
                guard let b = UInt8(String(digits[i...i + 1]), radix: 16) else { throw ValidationError("--hex: not hex: \(h)") }
                return b
            }
        default: throw ValidationError("give exactly one of --phrase and --hex")
        }
    }
}

func parseValue(_ text: String, what: String) throws -> IOValue {
    do {
        return try IOValue(text: text)
    } catch {
        throw ValidationError("\(what): \(error.line):\(error.column): \(error.message)")
    }
}

/// Reads `--caveat` values. A value that is none of the caveats the protocol defines would
/// parse as an *unknown* caveat, which makes the ref reject everything: almost always a typo,
/// so it is refused unless `allowUnknown` is set.
func parseCaveats(_ texts: [String], allowUnknown: Bool = false) throws -> [Sturdy.Caveat<IOEmbedded>] {
    try texts.map { text in
        let value = try parseValue(text, what: "--caveat")
        let caveat: Sturdy.Caveat<IOEmbedded>
        do {
            caveat = try Sturdy.Caveat<IOEmbedded>(preserves: value)
        } catch let error as SchemaParseError {
            throw ValidationError("--caveat \(text) is not a caveat:\n\(error)")
        }
        if case .unknown = caveat, !allowUnknown {
            var why = "it is not <rewrite PATTERN TEMPLATE>, <or [REWRITE …]> or <reject PATTERN>"
            if let label = value.record?.label.symbol?.name, ["rewrite", "or", "reject"].contains(label) {
                switch label {
                case "rewrite": why = "a rewrite needs a pattern and a template, each well-formed: <rewrite PATTERN TEMPLATE>"
                case "or": why = "<or [REWRITE …]> takes a sequence of well-formed rewrites"
                default: why = "<reject PATTERN> takes one well-formed pattern"
                }
            }
            throw ValidationError("--caveat \(text) is not a caveat this protocol knows: \(why). (An unknown caveat makes the ref reject everything; pass --allow-unknown-caveats if that is what you want.)")
        }
        return caveat
    }
}

struct Mint: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a new sturdy ref for an oid.")

    @Option(name: .long, help: "The oid (Preserves text), e.g. '\"syndicate\"' or 'my-service'.")
    var oid: String

    @OptionGroup var key: KeyOptions

    @Option(name: .long, parsing: .singleValue, help: "A caveat to add (Preserves text; repeatable).")
    var caveat: [String] = []

    @Flag(help: "Accept caveats the protocol does not define (they make the ref reject everything).")
    var allowUnknownCaveats = false

    func run() throws {
        let ref = try SturdyRefs.mint(oid: parseValue(oid, what: "--oid"), key: key.key(), caveats: parseCaveats(caveat, allowUnknown: allowUnknownCaveats))
        print(ref.preserves)
    }
}

struct Attenuate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add caveats to a sturdy ref (no key needed).")

    @Argument(help: "The sturdy ref (Preserves text).")
    var ref: String

    @Option(name: .long, parsing: .singleValue, help: "A caveat to add (Preserves text; repeatable).")
    var caveat: [String]

    @Flag(help: "Accept caveats the protocol does not define (they make the ref reject everything).")
    var allowUnknownCaveats = false

    func run() throws {
        let ref = try Sturdy.SturdyRef<IOEmbedded>(preserves: parseValue(ref, what: "ref"))
        print(try SturdyRefs.attenuate(ref, with: parseCaveats(caveat, allowUnknown: allowUnknownCaveats)).preserves)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a sturdy ref's signature against a key; exit status 1 if it is invalid.")

    @Argument(help: "The sturdy ref (Preserves text).")
    var ref: String

    @OptionGroup var key: KeyOptions

    func run() throws {
        let ref = try Sturdy.SturdyRef<IOEmbedded>(preserves: parseValue(ref, what: "ref"))
        if SturdyRefs.isValid(ref, key: try key.key()) {
            print("valid")
        } else {
            print("invalid")
            throw ExitCode.failure
        }
    }
}

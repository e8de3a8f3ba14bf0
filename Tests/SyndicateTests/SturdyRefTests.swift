import Foundation
import Preserves
import Syndicate
import SyndicateProtocols
import Testing

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(s.filter { !$0.isWhitespace })
    while chars.count >= 2 {
        out.append(UInt8(String(chars[0...1]), radix: 16)!)
        chars.removeFirst(2)
    }
    return out
}

@Suite struct BLAKE2sTests {
    /// RFC 7693 Appendix B.
    @Test func rfc7693Abc() {
        #expect(BLAKE2s.hash(Array("abc".utf8)) == hexBytes("508C5E8C327C14E2E1A72BA34EEB452F37458B209ED63A294D999B4C86675982"))
    }

    /// RFC 7693 Appendix E: the self-test over digest lengths, message lengths and keys,
    /// hashed together into one 32-byte value.
    @Test func rfc7693SelfTest() {
        func sequence(_ length: Int, seed: UInt32) -> [UInt8] {
            var a: UInt32 = 0xDEAD_4BAD &* seed
            var b: UInt32 = 1
            return (0..<length).map { _ in
                let t = a &+ b
                a = b
                b = t
                return UInt8(truncatingIfNeeded: t >> 24)
            }
        }
        var grand = BLAKE2s()
        for outlen in [16, 20, 28, 32] {
            for inlen in [0, 3, 64, 65, 255, 1024] {
                let message = sequence(inlen, seed: UInt32(inlen))
                grand.update(BLAKE2s.hash(message, digestLength: outlen))
                let key = sequence(outlen, seed: UInt32(outlen))
                grand.update(BLAKE2s.hash(message, digestLength: outlen, key: key))
            }
        }
        #expect(grand.finalize() == hexBytes("6A411F08CE25ADCDFB02ABA641451CEC53C598B24F4FC787FBDC88797F4C1DFE"))
    }

    @Test func incrementalUpdatesMatchOneShot() {
        let message = (0..<300).map { UInt8($0 % 251) }
        for split in [0, 1, 63, 64, 65, 128, 299, 300] {
            var h = BLAKE2s()
            h.update(message[..<split])
            h.update(message[split...])
            #expect(h.finalize() == BLAKE2s.hash(message))
        }
    }
}

@Suite struct SturdyRefTests {
    static let wellKnown = #"<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>"#

    @Test func theWellKnownSyndicateRefValidatesAgainstTheEmptyKey() throws {
        let ref = try Sturdy.SturdyRef<IOEmbedded>(preserves: try IOValue(text: Self.wellKnown))
        #expect(SturdyRefs.isValid(ref, key: []))
        #expect(!SturdyRefs.isValid(ref, key: [1]))
        let minted = try SturdyRefs.mint(oid: IOValue.string("syndicate"), key: [])
        #expect(minted.preserves.description == Self.wellKnown)
        #expect(hex(minted.preserves.canonicalBinary)
            == "b4b303726566b7b3036f6964b10973796e646963617465b303736967b21069ca300c1dbfa08fba692102dd82311a8484")
    }

    /// The signatures quoted in syndicate-rs's gatekeeper configuration.
    @Test func matchesSyndicateRsSignatures() throws {
        let key = Array("hello".utf8)
        let plain = try SturdyRefs.mint(oid: IOValue.symbol("a-service"), key: key)
        #expect(Data(plain.parameters.sig).base64EncodedString() == "JTTGQeYCgohMXW/2S2XH8g==")
        let caveat = try Sturdy.Caveat<IOEmbedded>(preserves: try IOValue(text: #"<rewrite <bind <_>> <rec labelled [<lit "alice"> <ref 0>]>>"#))
        let attenuated = try SturdyRefs.attenuate(plain, with: [caveat])
        #expect(Data(attenuated.parameters.sig).base64EncodedString() == "CXn7+rAoO3Xr6Y6Laap3OA==")
        #expect(SturdyRefs.isValid(attenuated, key: key))
    }

    @Test func forgedOrStrippedCaveatsFailValidation() throws {
        let key = Array("secret".utf8)
        let reject = try Sturdy.Caveat<IOEmbedded>(preserves: try IOValue(text: "<reject <lit 1>>"))
        let other = try Sturdy.Caveat<IOEmbedded>(preserves: try IOValue(text: "<reject <lit 2>>"))
        let ref = try SturdyRefs.attenuate(try SturdyRefs.mint(oid: IOValue.integer(7), key: key), with: [reject])
        #expect(SturdyRefs.isValid(ref, key: key))
        var stripped = ref
        stripped.parameters.caveats = .absent
        #expect(!SturdyRefs.isValid(stripped, key: key))
        var swapped = ref
        swapped.parameters.caveats = .present(caveats: [other])
        #expect(!SturdyRefs.isValid(swapped, key: key))
        var invalid = ref
        invalid.parameters.caveats = .invalid(caveats: "junk")
        #expect(!SturdyRefs.isValid(invalid, key: key))
        #expect(!SturdyRefs.isValid(ref, key: Array("Secret".utf8)))
        #expect(throws: SturdyRefs.UnsignableValue.self) {
            try SturdyRefs.mint(oid: IOValue.embedded(IOEmbedded(1)), key: key)
        }
    }
}

@Suite struct AttenuationTests {
    /// Caveats on a ref rewrite or drop what is asserted and sent through it, newest first.
    @Test func caveatsAreEnforcedOnAssertionsAndMessages() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        // Only <Says who what> passes, rewritten to <Heard what>; anything matching <Says "mallory" _> is rejected first.
        let rewrite = try Sturdy.Caveat<Ref>(preserves: try anyValue("<rewrite <rec Says [<_> <bind <_>>]> <rec Heard [<ref 0>]>>"))
        let reject = try Sturdy.Caveat<Ref>(preserves: try anyValue(#"<reject <rec Says [<lit "mallory"> <_>]>>"#))
        let attenuated = target.attenuated(by: [rewrite]).attenuated(by: [reject])
        let done = Box<Bool>()
        SyndicateActor.boot(name: "sender") { turn in
            turn.assert(attenuated, .record("Says", "alice", "hi"))
            turn.assert(attenuated, .record("Says", "mallory", "boo"))
            turn.assert(attenuated, .record("Other", 1))
            turn.message(attenuated, .record("Says", "bob", 2))
            turn.sync(target) { _ in done.set(true) }
        }
        _ = try await done.get()
        #expect(recorder.snapshot == ["assert t <Heard \"hi\">", "message t <Heard 2>"])
    }

    @Test func unknownCaveatsRejectEverything() async throws {
        let recorder = Recorder()
        let (_, target) = try await entityActor("target") { RecordingEntity("t", recorder) }
        let unknown = try Sturdy.Caveat<Ref>(preserves: try anyValue("<frobnicate 1>"))
        let done = Box<Bool>()
        SyndicateActor.boot(name: "sender") { turn in
            turn.assert(target.attenuated(by: [unknown]), "anything")
            turn.message(target.attenuated(by: [unknown]), "anything")
            turn.sync(target) { _ in done.set(true) }
        }
        _ = try await done.get()
        #expect(recorder.snapshot.isEmpty)
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Text with no embedded values, as an `AnyValue`.
func anyValue(_ text: String) throws -> AnyValue {
    try Value<Never>(text: text).mapEmbedded { (never: Never) -> Ref in }
}

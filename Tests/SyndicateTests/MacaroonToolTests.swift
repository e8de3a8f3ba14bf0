import Foundation
import Testing
import TestSupport

/// The `syndicate-macaroon` executable, built beside the tests.
@Suite struct MacaroonToolTests {
    static var tool: String { BuiltExecutables.path("syndicate-macaroon") }
    static let wellKnown = #"<ref {oid: "syndicate" sig: #x"69ca300c1dbfa08fba692102dd82311a"}>"#

    @Test func caveatsThatAreNoCaveatAreRefused() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tool), "syndicate-macaroon is not built beside the tests")
        let typo = try await ProcessRunner.run(Self.tool, ["attenuate", Self.wellKnown, "--caveat", "foo"])
        #expect(typo.status != 0)
        #expect(typo.output.contains("not a caveat this protocol knows"))
        let noTemplate = try await ProcessRunner.run(Self.tool, ["attenuate", Self.wellKnown, "--caveat", "<rewrite <_>>"])
        #expect(noTemplate.status != 0)
        #expect(noTemplate.output.contains("a rewrite needs a pattern and a template"))
        let allowed = try await ProcessRunner.run(Self.tool, ["attenuate", Self.wellKnown, "--caveat", "foo", "--allow-unknown-caveats"])
        #expect(allowed.status == 0)
        #expect(allowed.output.contains("caveats: [foo]"))
        let good = try await ProcessRunner.run(Self.tool, ["attenuate", Self.wellKnown, "--caveat", "<rewrite <rec Says [<bind <_>>]> <rec Said [<ref 0>]>>"])
        #expect(good.status == 0)
        #expect(good.output.hasPrefix("<ref {caveats: [<rewrite"))
    }
}

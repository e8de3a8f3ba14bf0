import Foundation
import Preserves
import Syndicate
import SyndicateServer
import Testing
import TestSupport

/// The README's config script (`# config/main.pr`), run as it is written, doing what its
/// comments say.
@Suite struct ReadmeConfigBlockTests {
    static func block() throws -> String {
        let block = try #require(try ReadmeBlock.all().first { $0.language.isEmpty && $0.lines.first == "# config/main.pr" },
                                 "README.md has no ``` block starting with `# config/main.pr`")
        return block.text
    }

    @Test func theReadmeConfigScriptRuns() async throws {
        let world = try await ScriptWorld.start(try Self.block(), file: "config/main.pr", places: ["gatekeeper", "log"])
        let service = try await world.log.record("require-service")
        #expect(service.fields.first?.record?.label == .symbol("relay-listener"))

        // Two sturdy refs are bound: the well-known one to the root dataspace, "read-only" to an
        // attenuated view of it.
        await world.log.wait { $0.filter { $0.place == "config" && $0.value.record?.label == .symbol("bind") }.count >= 2 }
        let binds = world.log.snapshot.filter { $0.place == "config" && $0.value.record?.label == .symbol("bind") }.compactMap(\.value.record)
        #expect(binds.count == 2)
        let root = try #require(binds.first { $0.fields[0].description.contains(#""syndicate""#) }.flatMap { capability($0.fields[1]) })
        let readOnly = try #require(binds.first { $0.fields[0].description.contains(#""read-only""#) }.flatMap { capability($0.fields[1]) })

        // While someone is <Present who> in the root dataspace, <seen who> is in $config.
        let alice = ScriptWorld.peer { turn in turn.assert(root, .record(Record(label: .symbol("Present"), fields: [.string("alice")]))) }
        #expect(await world.log.wait(for: "config +<seen \"alice\">"))
        alice.run { $0.stopActor() }
        #expect(await world.log.wait(for: "config -<seen \"alice\">"))

        // Every <Says who what> is logged; through the read-only ref, a <Says …> is rejected.
        ScriptWorld.peer { turn in
            turn.message(readOnly, .record(Record(label: .symbol("Says"), fields: [.string("mallory"), .string("no")])))
            turn.message(root, .record(Record(label: .symbol("Says"), fields: [.string("bob"), .string("hi")])))
            turn.stopActor()
        }
        #expect(await world.log.wait(for: #"log !<log "-" {by: "bob" said: "hi"}>"#), "\(world.log.lines)")
        #expect(!world.log.lines.contains { $0.contains("mallory") })
    }
}

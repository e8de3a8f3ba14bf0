import Preserves
import Syndicate
import SyndicateProtocols
import Testing

@Suite struct RouteResolutionUnitTests {
    @Test func backoffDoublesUpToItsBoundAndResetsOnSuccess() {
        var backoff = ReconnectBackoff()
        let waits = (0..<12).map { _ in backoff.failed() }
        #expect(waits.prefix(4) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        #expect(waits.last == .seconds(30))
        #expect(waits.allSatisfy { $0 <= .seconds(30) })
        backoff.succeeded()
        #expect(backoff.failed() == .milliseconds(100))
    }

    @Test func literalPatternsGiveTheirValueBackAndOthersNone() throws {
        let route = try Gatekeeper.Route<Ref>(parsing: #"<route [<tcp "127.0.0.1" 9001> <ws "ws://h/">] <ref {oid: "x" sig: #x"00"}> <noise {service: world key: #x"01"}>>"#)
        let lifted = DataspacePatterns.Pattern<Ref>.literal(route.preserves)
        #expect(lifted.literalValue == route.preserves)
        #expect(DataspacePatterns.Pattern<Ref>.bind(pattern: lifted).literalValue == nil)
        #expect(DataspacePatterns.Pattern<Ref>.bind(pattern: lifted).unbound.literalValue == route.preserves)
        // A record group that leaves a field open is not a literal.
        guard case .group(let type, var entries) = lifted else { Issue.record("not a group"); return }
        entries[.integer(1)] = .discard
        #expect(DataspacePatterns.Pattern<Ref>.group(type: type, entries: entries).literalValue == nil)
        entries[.integer(1)] = nil
        entries[.integer(2)] = nil
        #expect(DataspacePatterns.Pattern<Ref>.group(type: type, entries: entries).literalValue == .record(Record(label: .symbol("route"), fields: [route.preserves.record!.fields[0]])))
    }
}

import Foundation
import Preserves
import SyndicateProtocols
import TestSupport
import Testing

/// `syndicate-server -t FILE`: every turn, in trace.prs's format.
@Suite("trace file", .serialized)
struct TraceFileTests {
    @Test("-t writes actor starts, turns with the events they dequeued and enqueued, and stops, each line a trace.prs TraceEntry")
    func traceFile() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).pr").path
        let server = try InteractiveProcess(ServerBinaryTests.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner", "-t", file], includeStandardError: true)
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        await #expect(ServerNetworkTests.served(try RawPeer(port: port)))
        server.signal(SIGTERM)
        #expect(await server.exitStatus() == 0)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let entries = try text.split(separator: "\n").map { try Trace.TraceEntry<IOEmbedded>(preserves: try Value<IOEmbedded>(text: String($0))) }
        #expect(entries.count > 10)
        var starts = 0, turns = 0, stops = 0, dequeued = 0, enqueued = 0
        for entry in entries {
            switch entry.item {
            case .start: starts += 1
            case .stop: stops += 1
            case .turn(let turn):
                turns += 1
                for action in turn.actions {
                    if case .dequeue = action { dequeued += 1 }
                    if case .enqueue = action { enqueued += 1 }
                }
            }
        }
        #expect(starts > 0 && turns > 0 && stops > 0 && dequeued > 0 && enqueued > 0, "\(starts) \(turns) \(stops) \(dequeued) \(enqueued)")
        // The gatekeeper's answer to the resolve request is in it.
        #expect(text.contains("accepted"))
        try? FileManager.default.removeItem(atPath: file)
    }
}

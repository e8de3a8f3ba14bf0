import ArgumentParser
import Preserves
import Foundation
import SyndicateExamples

/// Asserts and retracts `<Present pid>` over and over.
@main
struct StateProducer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state-producer", abstract: "Assert and retract <Present pid> over and over.", version: ToolkitVersion.current)
    @OptionGroup var connection: ExampleConnectionOptions

    func run() async throws {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        try await connection.run(name: "state-producer") { turn, ds in
            StateProducerProgram.run(turn, ds: ds, pid: pid)
        }
    }
}

import ArgumentParser
import Preserves
import SyndicateExamples

/// Counts `<Says _ _>` messages and prints the count every second.
@main
struct Consumer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consumer", abstract: "Count <Says _ _> messages, printing the rate every second.", version: ToolkitVersion.current)
    @OptionGroup var connection: ExampleConnectionOptions

    func run() async throws {
        try await connection.run(name: "consumer") { turn, ds in
            ConsumerProgram.run(turn, ds: ds) { count in emitLine("\(count) messages in the last second") }
        }
    }
}

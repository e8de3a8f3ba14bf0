import ArgumentParser
import Preserves
import SyndicateExamples

/// Sends `<Says "producer" #[padding]>` messages to the broker's dataspace as fast as it takes them.
@main
struct Producer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "producer", abstract: "Send <Says \"producer\" #[…]> messages as fast as the broker takes them.", version: ToolkitVersion.current)
    @OptionGroup var connection: ExampleConnectionOptions
    @Option(name: .short, help: ArgumentHelp("Messages per turn.", valueName: "count")) var a: Int = 1
    @Option(name: .short, help: ArgumentHelp("Padding bytes per message.", valueName: "bytes")) var b: Int = 0

    func run() async throws {
        let (a, b) = (self.a, self.b)
        try await connection.run(name: "producer") { turn, ds in
            ProducerProgram.run(turn, ds: ds, messagesPerTurn: a, padding: b)
        }
    }
}

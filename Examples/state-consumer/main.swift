import ArgumentParser
import Preserves
import SyndicateExamples

/// Watches `<Present _>` assertions come and go, printing the rates every second.
@main
struct StateConsumer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state-consumer", abstract: "Watch <Present _> come and go, printing the rates every second.", version: ToolkitVersion.current)
    @OptionGroup var connection: ExampleConnectionOptions

    func run() async throws {
        try await connection.run(name: "state-consumer") { turn, ds in
            StateConsumerProgram.run(turn, ds: ds) { r in
                emitLine("\(r.events) events, \(r.arrivals) arrivals, \(r.departures) departures, \(r.present) present in the last second")
            }
        }
    }
}

import ArgumentParser
import Preserves
import SyndicateExamples

/// `pingpong pong` echoes `<Ping ns pad>` as `<Pong ns pad>`; `pingpong ping` measures round trips.
@main
struct PingPong: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pingpong", abstract: "Measure round trips through the broker.",
        version: ToolkitVersion.current,
        subcommands: [Ping.self, Pong.self])

    // Given here too, so `pingpong --address A ping` works as well as `pingpong ping --address A`.
    @OptionGroup var connection: ExampleConnectionOptions

    struct Pong: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer every <Ping ns pad> with <Pong ns pad>.")
        @OptionGroup var connection: ExampleConnectionOptions

        func run() async throws {
            try await connection.run(name: "pong", placement: .connectionLoop) { turn, ds in PongProgram.run(turn, ds: ds) }
        }
    }

    struct Ping: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send <Ping ns pad> and time the <Pong>s.")
        @OptionGroup var connection: ExampleConnectionOptions
        @Option(name: .short, help: ArgumentHelp("Turns of pings sent at start.", valueName: "turns")) var t: Int = 1
        @Option(name: .short, help: ArgumentHelp("Pings per turn.", valueName: "count")) var a: Int = 1
        @Option(name: .short, help: ArgumentHelp("Report percentiles every N samples (0: just echo).", valueName: "samples")) var l: Int = 0
        @Option(name: .short, help: ArgumentHelp("Padding bytes per ping.", valueName: "bytes")) var b: Int = 0

        func run() async throws {
            let (t, a, l, b) = (self.t, self.a, self.l, self.b)
            try await connection.run(name: "ping", placement: .connectionLoop) { turn, ds in
                PingProgram.run(turn, ds: ds, turns: t, messagesPerTurn: a, reportEvery: l, padding: b,
                                report: { emitLine("\($0)") },
                                tick: { turns, events in emitLine("\(turns) turns, \(events) events in the last second") })
            }
        }
    }
}

import Foundation

// preserves-benchmarks [suite-filter …] [--quick] [--strict] [--list]
//
// Runs every suite whose name contains one of the filters (all suites when none is given).
// --quick   fewer, shorter samples and smaller data: a smoke run, not a measurement
// --strict  exit with status 1 when a suite misses one of its targets
// --list    print the suites and exit

/// Every suite, in the order they run. Add new suites here.
let allSuites: [any BenchmarkSuite] = [
    PreservesCodecSuite(),
    SchemaCompilerSuite(),
    DataspaceSuite(),
    BrokerSuite(),
    FederationSuite(),
    ChannelSuite(),
]

// A child process started by BrokerSuite: a broker, a client, or a Redis client.
if CommandLine.arguments.count >= 2 && CommandLine.arguments[1] == BrokerRoles.flag {
    await BrokerRoles.run(Array(CommandLine.arguments.dropFirst(2)))
}

// A child process started by SchemaCompilerSuite: compile once and exit.
if CommandLine.arguments.count == 4 && CommandLine.arguments[1] == SchemaCompilerSuite.compileOnceFlag {
    exit(SchemaCompilerSuite.compileOnce(schemas: CommandLine.arguments[2], output: CommandLine.arguments[3]))
}

var options = BenchmarkOptions.standard
var strict = false
var filters: [String] = []
for argument in CommandLine.arguments.dropFirst() {
    switch argument {
    case "--quick", "-q":
        options = .quick
    case "--strict":
        strict = true
    case "--list":
        for suite in allSuites { print("\(suite.name)\t\(suite.summary)") }
        exit(0)
    case "--help", "-h":
        print("usage: preserves-benchmarks [suite-filter …] [--quick] [--strict] [--list]")
        print("suites:")
        for suite in allSuites { print("  \(suite.name)  \(suite.summary)") }
        exit(0)
    default:
        if argument.hasPrefix("-") {
            FileHandle.standardError.write(Data("unknown option \(argument); try --help\n".utf8))
            exit(2)
        }
        filters.append(argument)
    }
}

let selected = allSuites.filter { suite in filters.isEmpty || filters.contains { suite.name.contains($0) } }
if selected.isEmpty {
    FileHandle.standardError.write(Data("no suite matches \(filters); try --list\n".utf8))
    exit(2)
}

#if DEBUG
print("warning: this is a debug build; use `swift run -c release …` for meaningful numbers\n")
#endif

var allTargetsMet = true
for suite in selected {
    print("== \(suite.name): \(suite.summary)\(options.quick ? " [quick smoke run]" : "")")
    do {
        if try !suite.run(options: options) { allTargetsMet = false }
    } catch {
        FileHandle.standardError.write(Data("\(suite.name) failed: \(error)\n".utf8))
        exit(1)
    }
    print()
}
if strict && !allTargetsMet { exit(1) }

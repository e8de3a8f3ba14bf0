import Foundation

// syndicate-stress [scenario …] [--quick] [--list]
//
// Stresses the syndicate-server release binary (built by the same `swift run -c release`),
// each scenario against a broker process of its own on a loopback port, and prints a table of
// figures against their targets. Exits with status 1 when a target is missed.
//   --quick  smaller and shorter: a smoke run for CI (about 3 minutes on 2 cores)

let allScenarios: [any Scenario] = [
    AbuseScenario(),
    ChurnScenario(),
    FloodScenario(),
    AssertionsScenario(),
    FdExhaustionScenario(),
    ShutdownScenario(),
]

var quick = false
var filters: [String] = []
for argument in CommandLine.arguments.dropFirst() {
    switch argument {
    case "--quick", "-q":
        quick = true
    case "--list":
        for scenario in allScenarios { print("\(scenario.name)\t\(scenario.summary)") }
        exit(0)
    case "--help", "-h":
        print("usage: syndicate-stress [scenario …] [--quick] [--list]")
        print("scenarios (all when none is named):")
        for scenario in allScenarios { print("  \(scenario.name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(scenario.summary)") }
        print("The broker is the syndicate-server beside this program, or $SYNDICATE_SERVER.")
        exit(0)
    default:
        if argument.hasPrefix("-") {
            FileHandle.standardError.write(Data("unknown option \(argument); try --help\n".utf8))
            exit(2)
        }
        filters.append(argument)
    }
}
let selected = allScenarios.filter { scenario in filters.isEmpty || filters.contains(scenario.name) }
if selected.isEmpty || filters.contains(where: { name in !allScenarios.contains { $0.name == name } }) {
    FileHandle.standardError.write(Data("unknown scenario in \(filters); try --list\n".utf8))
    exit(2)
}

#if DEBUG
print("warning: this is a debug build; use `swift run -c release …` for meaningful figures\n")
#endif

// Peers that the broker drops must not kill this program; it needs descriptors for 1,200
// sessions at once.
signal(SIGPIPE, SIG_IGN)
var descriptors = rlimit()
if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptors) == 0 && descriptors.rlim_cur < min(descriptors.rlim_max, 8192) {
    descriptors.rlim_cur = min(descriptors.rlim_max, 8192)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &descriptors)
}

// A watchdog: whatever happens, the run ends (and takes its brokers with it).
let runLimit: TimeInterval = quick ? 8 * 60 : 30 * 60
Thread {
    Thread.sleep(forTimeInterval: runLimit)
    print("\nsyndicate-stress: the run took longer than \(Int(runLimit)) s; stopping")
    Broker.killAll()
    exit(3)
}.start()

let context = StressContext(quick: quick)
print("syndicate-stress\(quick ? " --quick" : ""): broker \(Broker.binaryPath)")
var figures: [Figure] = []
var durations: [(String, Double)] = []
for scenario in selected {
    print("\n== \(scenario.name): \(scenario.summary)")
    let start = Date()
    do {
        figures += try scenario.run(context)
    } catch {
        print("  \(scenario.name) could not finish: \(error)")
        figures.append(Figure(scenario: scenario.name, measure: "scenario ran to the end", value: "\(error)", target: "finishes", passed: false))
    }
    Broker.killAll()
    durations.append((scenario.name, Date().timeIntervalSince(start)))
    print("  (\(scenario.name) took \(f0(Date().timeIntervalSince(start))) s)")
}

// The table of figures against targets.
let headers = ["scenario", "measure", "figure", "target", "result"]
let rows = figures.map { figure in
    [figure.scenario, figure.measure, figure.value, figure.target, figure.passed.map { $0 ? "pass" : "FAIL" } ?? "info"]
}
let widths = headers.indices.map { column in ([headers] + rows).map { $0[column].count }.max() ?? 0 }
func line(_ cells: [String]) -> String {
    cells.enumerated().map { column, cell in
        column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
    }.joined(separator: "  ")
}
let total = Date().timeIntervalSince(context.start)
print("\n== syndicate-stress summary\(quick ? " (--quick)" : "") after \(f0(total)) s (" + durations.map { "\($0.0) \(f0($0.1)) s" }.joined(separator: ", ") + ")")
print(line(headers))
print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
for row in rows { print(line(row)) }
let failed = figures.filter { $0.passed == false }
let passed = figures.filter { $0.passed == true }
// (Not "N passed, N failed": CI reads that form as a test runner's verdict.)
print("targets: \(passed.count) met, \(failed.count) missed" + (failed.isEmpty ? "" : " (" + failed.map { "\($0.scenario): \($0.measure)" }.joined(separator: "; ") + ")"))
fflush(nil)
exit(failed.isEmpty ? 0 : 1)

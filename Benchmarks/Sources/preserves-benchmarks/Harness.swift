import Foundation

// A small, dependency-free benchmark harness. Each suite lives in its own file, conforms to
// `BenchmarkSuite` and is listed in `allSuites` (main.swift).

/// How long to measure: the defaults for a real run, or much less for a smoke run (`--quick`).
struct BenchmarkOptions: Sendable {
    /// Time spent running the operation before any sample is kept.
    var warmUp: Duration
    /// Each sample repeats the operation until at least this long has passed.
    var minSampleTime: Duration
    /// Samples are taken until at least this much time (and `minSamples` samples) is spent.
    var minTotalTime: Duration
    var minSamples: Int
    /// True for `--quick`: smaller data sets are fine too.
    var quick: Bool

    static let standard = BenchmarkOptions(
        warmUp: .milliseconds(150), minSampleTime: .milliseconds(20), minTotalTime: .milliseconds(600),
        minSamples: 9, quick: false)
    static let quick = BenchmarkOptions(
        warmUp: .milliseconds(5), minSampleTime: .milliseconds(2), minTotalTime: .milliseconds(30),
        minSamples: 3, quick: true)
}

/// A group of related benchmarks, run together and reported as one table.
protocol BenchmarkSuite: Sendable {
    /// Short name, matched against the command line's suite filter.
    var name: String { get }
    /// One line saying what the suite measures.
    var summary: String { get }
    /// Runs the suite and prints its report. Returns false when a stated target was missed.
    func run(options: BenchmarkOptions) throws -> Bool
}

/// The timing of one operation: seconds per run of the operation, over several samples.
struct Measurement: Sendable {
    var label: String
    /// Per-operation time of each sample, in seconds.
    var samples: [Double]
    /// Operations per sample.
    var iterationsPerSample: Int

    /// The median per-operation time, in seconds: the figure reports use.
    var median: Double {
        let sorted = samples.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The fastest sample's per-operation time, in seconds.
    var best: Double { samples.min() ?? .nan }

    /// Operations per second, from the median.
    var operationsPerSecond: Double { 1 / median }

    /// Megabytes (10⁶ bytes) per second when each operation processes `bytes` bytes.
    func megabytesPerSecond(bytes: Int) -> Double { Double(bytes) / median / 1e6 }

    /// Relative spread of the samples: (slowest − fastest) ÷ median.
    var spread: Double { ((samples.max() ?? .nan) - best) / median }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}

/// Keeps a result alive so that the optimiser cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Times `operation`: warms it up, picks a repeat count that makes each sample last at least
/// `options.minSampleTime`, then takes samples until `options.minTotalTime` has passed.
func measure(
    _ label: String, options: BenchmarkOptions, _ operation: @escaping () throws -> Void
) throws -> Measurement {
    try measureInterleaved([(label, operation)], options: options)[0]
}

/// Times several operations whose speeds are to be compared, taking their samples in turn
/// (one sample of each, round after round) so that they all see the same conditions on the
/// machine; a slow patch caused by something else running affects them alike.
func measureInterleaved(
    _ operations: [(label: String, run: () throws -> Void)], options: BenchmarkOptions
) throws -> [Measurement] {
    let clock = ContinuousClock()
    var iterations: [Int] = []
    for operation in operations {
        // Warm up (caches, allocator, lazy initialisation), and estimate one run's cost.
        var runs = 0
        let start = clock.now
        repeat {
            try operation.run()
            runs += 1
        } while clock.now - start < options.warmUp
        let estimate = max((clock.now - start).seconds / Double(runs), 1e-9)
        iterations.append(max(1, Int((options.minSampleTime.seconds / estimate).rounded(.up))))
    }

    var samples = [[Double]](repeating: [], count: operations.count)
    var totals = [Double](repeating: 0, count: operations.count)
    while samples.contains(where: { $0.count < options.minSamples })
        || totals.contains(where: { $0 < options.minTotalTime.seconds })
    {
        for (i, operation) in operations.enumerated() {
            let start = clock.now
            for _ in 0..<iterations[i] { try operation.run() }
            let elapsed = (clock.now - start).seconds
            samples[i].append(elapsed / Double(iterations[i]))
            totals[i] += elapsed
        }
    }
    return operations.indices.map {
        Measurement(label: operations[$0].label, samples: samples[$0], iterationsPerSample: iterations[$0])
    }
}

// MARK: - Table printing

/// A plain-text table with right-aligned columns, except the first `leftAligned` columns.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []
    var leftAligned = 2

    init(headers: [String], leftAligned: Int = 2) {
        self.headers = headers
        self.leftAligned = leftAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column < leftAligned ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// Formats a rate with about three significant digits and a k/M suffix for large numbers.
func formatRate(_ x: Double) -> String {
    if !x.isFinite { return "-" }
    if x >= 10_000_000 { return String(format: "%.1fM", x / 1e6) }
    if x >= 10_000 { return String(format: "%.1fk", x / 1e3) }
    if x >= 100 { return String(format: "%.0f", x) }
    if x >= 10 { return String(format: "%.1f", x) }
    return String(format: "%.2f", x)
}

func formatBytes(_ n: Int) -> String {
    if n >= 10_000_000 { return String(format: "%.1f MB", Double(n) / 1e6) }
    if n >= 10_000 { return String(format: "%.1f kB", Double(n) / 1e3) }
    return "\(n) B"
}

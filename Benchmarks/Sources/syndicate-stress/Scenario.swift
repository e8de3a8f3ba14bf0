import Foundation

/// One stress scenario: it starts its own broker(s), drives them, and returns its figures.
protocol Scenario: Sendable {
    /// Short name, matched against the command line.
    var name: String { get }
    /// One line saying what it does.
    var summary: String { get }
    func run(_ context: StressContext) throws -> [Figure]
}

/// A measured figure and, when it has one, its target and whether it was met.
struct Figure: Sendable {
    var scenario: String
    var measure: String
    var value: String
    var target: String
    /// nil for a figure reported for information only.
    var passed: Bool?

    static func info(_ scenario: String, _ measure: String, _ value: String) -> Figure {
        Figure(scenario: scenario, measure: measure, value: value, target: "", passed: nil)
    }
}

/// What the scenarios share: the mode and a place to print progress.
struct StressContext: Sendable {
    var quick: Bool
    let start = Date()

    /// Pick a figure by mode.
    func pick<T>(quick q: T, full f: T) -> T { quick ? q : f }

    func log(_ line: String) {
        let elapsed = Date().timeIntervalSince(start)
        print(String(format: "  [%6.1fs] ", elapsed) + line)
        fflush(nil)
    }
}

// MARK: - Figures

enum Stats {
    /// The `q` quantile (0…1) of `values`, by nearest rank.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// The Theil–Sen slope through (x, y): the median of the slopes between every pair of
    /// points, which one outlying sample (a sample just after the broker's periodic
    /// malloc_trim, say) cannot tilt.
    static func robustSlope(_ points: [(x: Double, y: Double)]) -> Double {
        var slopes: [Double] = []
        for i in points.indices {
            for j in points.indices where j > i && points[j].x != points[i].x {
                slopes.append((points[j].y - points[i].y) / (points[j].x - points[i].x))
            }
        }
        return quantile(slopes, 0.5)
    }

    /// The slope of the least-squares line through (x, y).
    static func slope(_ points: [(x: Double, y: Double)]) -> Double {
        guard points.count >= 2 else { return .nan }
        let n = Double(points.count)
        let mx = points.map(\.x).reduce(0, +) / n
        let my = points.map(\.y).reduce(0, +) / n
        let sxy = points.map { ($0.x - mx) * ($0.y - my) }.reduce(0, +)
        let sxx = points.map { ($0.x - mx) * ($0.x - mx) }.reduce(0, +)
        return sxx == 0 ? .nan : sxy / sxx
    }
}

func f0(_ x: Double) -> String { String(format: "%.0f", x) }
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f2(_ x: Double) -> String { String(format: "%.2f", x) }
func f3(_ x: Double) -> String { String(format: "%.3f", x) }
/// A difference with its sign: +1.5, -0.3.
func signed(_ x: Double) -> String { String(format: "%+.1f", x) }

/// A rate with a k/M suffix.
func rate(_ x: Double) -> String {
    if !x.isFinite { return "-" }
    if x >= 1e6 { return String(format: "%.2fM", x / 1e6) }
    if x >= 1e4 { return String(format: "%.0fk", x / 1e3) }
    return String(format: "%.0f", x)
}

/// Runs `body` on a thread of its own; `join()` waits for it (at most `timeout`).
final class Worker: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopRequested = false
    private var finished = false

    init(_ name: String, _ body: @escaping @Sendable (Worker) -> Void) {
        let thread = Thread { [self] in
            body(self)
            lock.withLock { finished = true }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Set by ``stop()``; the body checks it.
    var shouldStop: Bool { lock.withLock { stopRequested } }

    func stop() { lock.withLock { stopRequested = true } }

    /// Whether the body has returned.
    var isFinished: Bool { lock.withLock { finished } }

    /// True if the body returned within `timeout`.
    @discardableResult
    func join(timeout: TimeInterval) -> Bool {
        if isFinished { return true }
        if done.wait(timeout: .now() + timeout) == .success {
            done.signal() // for later joins
            return true
        }
        return false
    }
}

/// A value shared between a worker and the scenario.
final class Shared<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    var get: T { lock.withLock { value } }
    func update<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
}

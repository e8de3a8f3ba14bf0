import Dispatch

/// A task executor that runs each job it is given `delay` seconds late, in order, on a
/// dispatch queue of its own (never blocking a thread of the cooperative pool): a stand-in
/// for a cooperative pool so busy that a task is resumed long after it could run.
public final class LateExecutor: TaskExecutor, Sendable {
    private let queue = DispatchQueue(label: "late-executor")
    private let delay: Double

    public init(delay: Double) { self.delay = delay }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.asyncAfter(deadline: .now() + delay) { job.runSynchronously(on: executor) }
    }
}

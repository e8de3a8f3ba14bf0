import NIOCore

/// A task executor that runs jobs on one NIO event loop: a body given this preference
/// (``ChannelOptions/runsOnConnectionLoop``) shares its connection's thread, so a frame read
/// there resumes the receiving task, and its sends reach the socket, without waking another
/// thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

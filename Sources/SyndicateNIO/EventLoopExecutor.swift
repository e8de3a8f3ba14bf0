import NIOCore
import Syndicate

/// Runs an actor's turns on a NIO event loop, so that a relay session and its connection share
/// one thread, and actors on the same loop hand events to each other without waking threads.
public final class EventLoopExecutor: ActorExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func execute(_ work: @escaping @Sendable () -> Void) {
        eventLoop.execute(work)
    }

    public var isCurrent: Bool { eventLoop.inEventLoop }
}

import Foundation

/// Standard input's lines as an async sequence. A thread of its own does the blocking reads and
/// stays one line ahead at most, so reading never runs ahead of sending.
struct LineInput: AsyncSequence, Sendable {
    typealias Element = String

    struct AsyncIterator: AsyncIteratorProtocol {
        var lines: AsyncStream<String>.Iterator
        let taken: DispatchSemaphore

        mutating func next() async -> String? {
            let line = await lines.next()
            taken.signal()
            return line
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let taken = DispatchSemaphore(value: 0)
        Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
                taken.wait()
            }
            continuation.finish()
        }.start()
        return AsyncIterator(lines: stream.makeAsyncIterator(), taken: taken)
    }
}

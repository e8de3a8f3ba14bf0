import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SyndicateChannels

/// The floor direct mode is measured against: bare swift-nio with the same framing (tsyncp's
/// varied-length header, `VariedLengthFrameDecoder`/`FrameEncoding`) and the same codec
/// (`JSONCodec`), driven from the event loops with nothing in between: senders write while
/// the socket is writable, receivers decode in the pipeline.
enum ChannelFloor {
    static let codec = JSONCodec<Tick>()

    /// Counts decoded items across connections and completes once `total` have arrived.
    final class Counter: Sendable {
        let count = Atomic<Int>(0)
        let total: Int
        let done: EventLoopPromise<Void>
        init(total: Int, done: EventLoopPromise<Void>) {
            self.total = total
            self.done = done
        }
        func add() {
            if count.add(1, ordering: .relaxed).newValue == total { done.succeed(()) }
        }
    }

    /// Decodes each frame and counts it.
    final class Receiver: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let counter: Counter
        init(_ counter: Counter) { self.counter = counter }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            blackHole(try? ChannelFloor.codec.decode(Array(frame.readableBytesView)))
            counter.add()
        }
    }

    /// Writes `items` frames (item `i` encoded when written) while the socket takes them.
    final class Sender: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let from: Int
        let cursor: ItemCursor
        init(from: Int, items: Int) {
            self.from = from
            self.cursor = ItemCursor(items: items)
        }
        func nextItem() -> Int? { cursor.next() }
        func channelActive(context: ChannelHandlerContext) {
            pump(context)
            context.fireChannelActive()
        }
        func channelWritabilityChanged(context: ChannelHandlerContext) {
            pump(context)
            context.fireChannelWritabilityChanged()
        }
        func pump(_ context: ChannelHandlerContext) {
            ChannelFloor.pump(writable: { context.channel.isWritable }, nextItem: nextItem) { seq in
                context.write(wrapOutboundOut(ChannelFloor.frame(Tick(from: from, seq: seq), context.channel.allocator)), promise: nil)
            } flush: {
                context.flush()
            }
        }
    }

    /// The one sending loop of the floor's senders: writes the items `nextItem` gives while
    /// `writable` holds, flushing every 64 and at the end (what a sender that batches its flushes
    /// does). A write may call back into it (NIO reports writability changes from inside writes),
    /// so the count lives with the caller and is touched only briefly, in `nextItem`.
    static func pump(writable: () -> Bool, nextItem: () -> Int?, write: (Int) -> Void, flush: () -> Void) {
        while writable(), let seq = nextItem() {
            write(seq)
            if (seq + 1) % 64 == 0 { flush() }
        }
        flush()
    }

    /// Hands out item numbers `0..<items` once each.
    final class ItemCursor {
        private var sent = 0
        let items: Int
        init(items: Int) { self.items = items }
        func next() -> Int? {
            guard sent < items else { return nil }
            defer { sent += 1 }
            return sent
        }
    }

    static func frame(_ tick: Tick, _ allocator: ByteBufferAllocator) -> ByteBuffer {
        // The codec and framing cannot fail on these items.
        (try? FrameEncoding.frame(codec.encode(tick), allocator: allocator)) ?? allocator.buffer(capacity: 0)
    }

    static func framed(_ channel: any Channel, _ handler: any ChannelHandler & Sendable) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VariedLengthFrameDecoder()))
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }

    /// Seconds per item: `senders` connections each writing `items` to one receiving server.
    static func mpsc(senders: Int, items: Int) async throws -> Double {
        let group = MultiThreadedEventLoopGroup.singleton
        let counter = Counter(total: senders * items, done: group.next().makePromise())
        let server = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { framed($0, Receiver(counter)) }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress?.port ?? 0
        let start = ContinuousClock.now
        var clients: [any Channel] = []
        for s in 0..<senders {
            clients.append(try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Sender(from: s, items: items)) }
                }
                .connect(host: "127.0.0.1", port: port).get())
        }
        try await counter.done.futureResult.get()
        let elapsed = (ContinuousClock.now - start).seconds
        for client in clients { try? await client.close() }
        try? await server.close()
        return elapsed / Double(senders * items)
    }

    /// Writes every item to every connection of a server whose children share one loop.
    final class Fanout: @unchecked Sendable {
        // Touched only on `loop`.
        var children: [any Channel] = []
        let cursor: ItemCursor
        let expected: Int
        let loop: any EventLoop
        init(expected: Int, items: Int, loop: any EventLoop) {
            self.expected = expected
            self.cursor = ItemCursor(items: items)
            self.loop = loop
        }
        func add(_ channel: any Channel) {
            loop.assertInEventLoop()
            children.append(channel)
            if children.count == expected { pump() }
        }
        func pump() {
            guard children.count == expected else { return }
            let children = self.children
            ChannelFloor.pump(writable: { children.allSatisfy(\.isWritable) }, nextItem: cursor.next) { seq in
                let frame = ChannelFloor.frame(Tick(from: 0, seq: seq), children[0].allocator)
                for child in children { child.write(frame, promise: nil) }
            } flush: {
                for child in children { child.flush() }
            }
        }
    }

    final class FanoutChild: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let fanout: Fanout
        init(_ fanout: Fanout) { self.fanout = fanout }
        func channelActive(context: ChannelHandlerContext) {
            fanout.add(context.channel)
            context.fireChannelActive()
        }
        func channelWritabilityChanged(context: ChannelHandlerContext) {
            fanout.pump()
            context.fireChannelWritabilityChanged()
        }
    }

    /// Seconds per delivered item: one server writing `items` to each of `receivers` connections.
    static func broadcast(receivers: Int, items: Int) async throws -> Double {
        let group = MultiThreadedEventLoopGroup.singleton
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let fanout = Fanout(expected: receivers, items: items, loop: serverGroup.next())
        let counter = Counter(total: receivers * items, done: group.next().makePromise())
        let server = try await ServerBootstrap(group: serverGroup)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FanoutChild(fanout)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress?.port ?? 0
        let start = ContinuousClock.now
        var clients: [any Channel] = []
        for _ in 0..<receivers {
            clients.append(try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { framed($0, Receiver(counter)) }
                .connect(host: "127.0.0.1", port: port).get())
        }
        try await counter.done.futureResult.get()
        let elapsed = (ContinuousClock.now - start).seconds
        for client in clients { try? await client.close() }
        try? await server.close()
        try? await serverGroup.shutdownGracefully()
        return elapsed / Double(receivers * items)
    }

    /// Echoes each item back, decoded and re-encoded.
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            guard let tick = try? ChannelFloor.codec.decode(Array(frame.readableBytesView)) else { return }
            context.writeAndFlush(wrapOutboundOut(ChannelFloor.frame(tick, context.channel.allocator)), promise: nil)
        }
    }

    /// Sends an item, waits for its echo, `samples` times; completes with the round trips.
    final class Pinger: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let samples: Int
        let done: EventLoopPromise<[Double]>
        var rtts: [Double] = []
        var sentAt = ContinuousClock.now
        init(samples: Int, done: EventLoopPromise<[Double]>) {
            self.samples = samples
            self.done = done
        }
        func channelActive(context: ChannelHandlerContext) {
            ping(context)
            context.fireChannelActive()
        }
        func ping(_ context: ChannelHandlerContext) {
            sentAt = ContinuousClock.now
            context.writeAndFlush(wrapOutboundOut(ChannelFloor.frame(Tick(from: 0, seq: rtts.count), context.channel.allocator)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            blackHole(try? ChannelFloor.codec.decode(Array(frame.readableBytesView)))
            rtts.append((ContinuousClock.now - sentAt).seconds)
            if rtts.count == samples { done.succeed(rtts) } else { ping(context) }
        }
    }

    /// Round trips, seconds each.
    static func roundTrips(samples: Int) async throws -> [Double] {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { framed($0, Echo()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let done = group.next().makePromise(of: [Double].self)
        let client = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { framed($0, Pinger(samples: samples, done: done)) }
            .connect(host: "127.0.0.1", port: server.localAddress?.port ?? 0).get()
        let rtts = try await done.futureResult.get()
        try? await client.close()
        try? await server.close()
        return rtts
    }
}

/// The benchmark's item: a small struct, as JSON `{"from":N,"seq":M}`.
struct Tick: Codable, Sendable, Equatable {
    var from: Int
    var seq: Int
}

import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SyndicateChannels

/// Redis pub/sub clients on swift-nio (RESP by hand), the baseline broker mode is measured
/// against: the same shapes as the channel scenarios, the same JSON items as payloads.
/// Publishers pipeline their PUBLISHes with at most `window` unanswered (as a channel
/// sender holds at most its credit); subscribers decode every payload.
enum ChannelRedis {
    /// One RESP reply or push: only what PUBLISH/SUBSCRIBE answer.
    enum Reply {
        case integer(Int)
        case bulk([UInt8])
        case simple
        case array([Reply])
    }

    /// Splits the stream into replies.
    struct Decoder: ByteToMessageDecoder {
        typealias InboundOut = Reply

        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            var view = buffer
            guard let reply = try Self.parse(&view) else { return .needMoreData }
            buffer = view
            context.fireChannelRead(NIOAny(reply))
            return .continue
        }

        struct Malformed: Error {}

        static func line(_ buffer: inout ByteBuffer) -> String? {
            let view = buffer.readableBytesView
            guard let cr = view.firstIndex(of: 13), cr + 1 < view.endIndex else { return nil }
            let text = String(decoding: view[view.startIndex..<cr], as: UTF8.self)
            buffer.moveReaderIndex(forwardBy: cr - view.startIndex + 2)
            return text
        }

        static func parse(_ buffer: inout ByteBuffer) throws -> Reply? {
            guard let first = buffer.readInteger(as: UInt8.self) else { return nil }
            guard let rest = line(&buffer) else { return nil }
            switch first {
            case UInt8(ascii: ":"): return .integer(Int(rest) ?? 0)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): return .simple
            case UInt8(ascii: "$"):
                guard let length = Int(rest) else { throw Malformed() }
                if length < 0 { return .bulk([]) }
                guard buffer.readableBytes >= length + 2, let bytes = buffer.readBytes(length: length) else { return nil }
                buffer.moveReaderIndex(forwardBy: 2)
                return .bulk(bytes)
            case UInt8(ascii: "*"):
                guard let count = Int(rest) else { throw Malformed() }
                var items: [Reply] = []
                for _ in 0..<max(0, count) {
                    guard let item = try parse(&buffer) else { return nil }
                    items.append(item)
                }
                return .array(items)
            default: throw Malformed()
            }
        }
    }

    static func command(_ parts: [[UInt8]], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(parts.count)\r\n")
        for part in parts {
            buffer.writeString("$\(part.count)\r\n")
            buffer.writeBytes(part)
            buffer.writeString("\r\n")
        }
    }

    static func publish(_ channel: String, _ payload: [UInt8], _ allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: payload.count + channel.utf8.count + 40)
        command([Array("PUBLISH".utf8), Array(channel.utf8), payload], into: &buffer)
        return buffer
    }

    /// Publishes `items` items, keeping at most `window` unanswered.
    final class Publisher: ChannelInboundHandler {
        typealias InboundIn = Reply
        typealias OutboundOut = ByteBuffer
        let channelName: String
        let from: Int
        let items: Int
        let window: Int
        var sent = 0
        var answered = 0
        init(channel: String, from: Int, items: Int, window: Int) {
            self.channelName = channel
            self.from = from
            self.items = items
            self.window = window
        }
        func channelActive(context: ChannelHandlerContext) {
            pump(context)
            context.fireChannelActive()
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            answered += 1
        }
        func channelReadComplete(context: ChannelHandlerContext) {
            pump(context)
        }
        func pump(_ context: ChannelHandlerContext) {
            var wrote = false
            while sent < items && sent - answered < window {
                let payload = (try? ChannelFloor.codec.encode(Tick(from: from, seq: sent))) ?? []
                context.write(wrapOutboundOut(ChannelRedis.publish(channelName, payload, context.channel.allocator)), promise: nil)
                sent += 1
                wrote = true
            }
            if wrote { context.flush() }
        }
    }

    /// Counts (and decodes) the messages of its subscription; `subscribed` once Redis confirms.
    final class Subscriber: ChannelInboundHandler {
        typealias InboundIn = Reply
        typealias OutboundOut = ByteBuffer
        let channelName: String
        let subscribed: EventLoopPromise<Void>
        let onMessage: ([UInt8], ChannelHandlerContext) -> Void
        init(channel: String, subscribed: EventLoopPromise<Void>, onMessage: @escaping ([UInt8], ChannelHandlerContext) -> Void) {
            self.channelName = channel
            self.subscribed = subscribed
            self.onMessage = onMessage
        }
        func channelActive(context: ChannelHandlerContext) {
            var buffer = context.channel.allocator.buffer(capacity: 64)
            ChannelRedis.command([Array("SUBSCRIBE".utf8), Array(channelName.utf8)], into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            context.fireChannelActive()
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .array(let parts) = unwrapInboundIn(data), parts.count == 3, case .bulk(let kind) = parts[0] else { return }
            if kind == Array("subscribe".utf8) {
                subscribed.succeed(())
            } else if kind == Array("message".utf8), case .bulk(let payload) = parts[2] {
                onMessage(payload, context)
            }
        }
    }

    static func connect(_ port: Int, _ handler: @escaping @Sendable () -> any ChannelHandler) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(Decoder()))
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    static func counting(_ counter: ChannelFloor.Counter) -> ([UInt8], ChannelHandlerContext) -> Void {
        { payload, _ in
            blackHole(try? ChannelFloor.codec.decode(payload))
            counter.add()
        }
    }

    /// Messages per second: `publishers` × `items` to one subscriber.
    static func mpsc(port: Int, publishers: Int, items: Int, window: Int) async throws -> Double {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let counter = ChannelFloor.Counter(total: publishers * items, done: loop.makePromise())
        let subscribed = loop.makePromise(of: Void.self)
        let name = "mpsc-\(UInt32.random(in: 0...UInt32.max))"
        let subscriber = try await connect(port) { Subscriber(channel: name, subscribed: subscribed, onMessage: counting(counter)) }
        try await subscribed.futureResult.get()
        let start = ContinuousClock.now
        var clients: [any Channel] = [subscriber]
        for p in 0..<publishers {
            clients.append(try await connect(port) { Publisher(channel: name, from: p, items: items, window: window) })
        }
        try await counter.done.futureResult.get()
        let elapsed = (ContinuousClock.now - start).seconds
        for client in clients { try? await client.close() }
        return Double(publishers * items) / elapsed
    }

    /// Deliveries per second: one publisher, `subscribers` subscribers.
    static func broadcast(port: Int, subscribers: Int, items: Int, window: Int) async throws -> Double {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let counter = ChannelFloor.Counter(total: subscribers * items, done: loop.makePromise())
        let name = "broadcast-\(UInt32.random(in: 0...UInt32.max))"
        var clients: [any Channel] = []
        for _ in 0..<subscribers {
            let subscribed = loop.makePromise(of: Void.self)
            clients.append(try await connect(port) { Subscriber(channel: name, subscribed: subscribed, onMessage: counting(counter)) })
            try await subscribed.futureResult.get()
        }
        let start = ContinuousClock.now
        clients.append(try await connect(port) { Publisher(channel: name, from: 0, items: items, window: window) })
        try await counter.done.futureResult.get()
        let elapsed = (ContinuousClock.now - start).seconds
        for client in clients { try? await client.close() }
        return Double(subscribers * items) / elapsed
    }

    /// Round trips through Redis: A publishes on `ping`, B (subscribed) publishes the item back
    /// on `pong`, A (subscribed) takes it and sends the next.
    final class RoundTrips: @unchecked Sendable {
        let lock = Mutex<(rtts: [Double], sentAt: ContinuousClock.Instant)>(([], .now))
        let samples: Int
        let done: EventLoopPromise<[Double]>
        var ping: (any Channel)?
        init(samples: Int, done: EventLoopPromise<[Double]>) {
            self.samples = samples
            self.done = done
        }
        func send(_ seq: Int, on channel: any Channel) {
            lock.withLock { $0.sentAt = .now }
            let payload = (try? ChannelFloor.codec.encode(Tick(from: 0, seq: seq))) ?? []
            channel.writeAndFlush(ChannelRedis.publish("ping", payload, channel.allocator), promise: nil)
        }
        func pong(_ payload: [UInt8]) {
            let count = lock.withLock { state -> Int in
                state.rtts.append((ContinuousClock.now - state.sentAt).seconds)
                return state.rtts.count
            }
            blackHole(try? ChannelFloor.codec.decode(payload))
            if count == samples {
                done.succeed(lock.withLock { $0.rtts })
            } else if let ping {
                send(count, on: ping)
            }
        }
    }

    static func roundTrips(port: Int, samples: Int) async throws -> [Double] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let trips = RoundTrips(samples: samples, done: loop.makePromise())
        let back = try await connect(port) { Publisher(channel: "pong", from: 0, items: 0, window: 1) }
        let echoSubscribed = loop.makePromise(of: Void.self)
        let echo = try await connect(port) {
            Subscriber(channel: "ping", subscribed: echoSubscribed) { payload, _ in
                guard let tick = try? ChannelFloor.codec.decode(payload), let again = try? ChannelFloor.codec.encode(tick) else { return }
                back.writeAndFlush(ChannelRedis.publish("pong", again, back.allocator), promise: nil)
            }
        }
        try await echoSubscribed.futureResult.get()
        let pongSubscribed = loop.makePromise(of: Void.self)
        let pongs = try await connect(port) { Subscriber(channel: "pong", subscribed: pongSubscribed) { payload, _ in trips.pong(payload) } }
        try await pongSubscribed.futureResult.get()
        let ping = try await connect(port) { Publisher(channel: "ping", from: 0, items: 0, window: 1) }
        trips.ping = ping
        trips.send(0, on: ping)
        let rtts = try await trips.done.futureResult.get()
        for client in [back, echo, pongs, ping] { try? await client.close() }
        return rtts
    }
}

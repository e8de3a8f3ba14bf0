import SwiftProtobuf
import SyndicateChannels
import Testing
import TestSupport

/// Direct mode against an independent tsyncp peer in Python (Interop/tsyncp_peer.py), written
/// from tsyncp's source: framing and codecs byte for byte, in both directions.
@Suite(.serialized) struct InteropTests {
    static let host = "127.0.0.1"

    /// Python sends; Swift's mpsc receiver decodes with `codec` and hands back the items.
    func receiveFromPython<C: ChannelCodec>(_ codecName: String, codec: C, count: Int) async throws -> [C.Item] {
        try await Channels.mpscReceiver(.direct(host: Self.host, port: 0), codec: codec) { receiver in
            let port = try #require(receiver.localPort)
            let peer = try PythonPeer.start(["send", Self.host, "\(port)", codecName])
            var items: [C.Item] = []
            for try await item in receiver {
                items.append(item)
                if items.count == count { break }
            }
            let line = await peer.waitForLine(timeout: 60) { $0.hasPrefix("sent") }
            #expect(line == "sent \(count)", "\(peer.transcript)")
            return items
        }
    }

    /// Swift's broadcast sender sends `items`; Python checks every frame's header and payload.
    func sendToPython<C: ChannelCodec>(_ codecName: String, codec: C, items: [C.Item]) async throws {
        try await Channels.broadcastSender(.direct(host: Self.host, port: 0), codec: codec) { sender in
            let port = try #require(sender.localPort)
            let peer = try PythonPeer.start(["receive", Self.host, "\(port)", codecName])
            try await sender.waitForPeers(1, timeout: .seconds(30))
            for item in items { try await sender.send(item) }
            let line = await peer.waitForLine(timeout: 60) { !$0.isEmpty }
            #expect(line == "ok \(items.count)", "\(peer.transcript)")
        }
    }

    @Test func rawFramesAtHeaderBoundariesFromPython() async throws {
        let payloads = try await receiveFromPython("raw", codec: RawBytesCodec(), count: FrameVectors.sizes.count)
        #expect(payloads.map(\.count) == FrameVectors.sizes)
        for (payload, size) in zip(payloads, FrameVectors.sizes) {
            #expect(payload == FrameVectors.payload(size), "payload of \(size) bytes")
        }
    }

    @Test func rawFramesAtHeaderBoundariesToPython() async throws {
        try await sendToPython("raw", codec: RawBytesCodec(), items: FrameVectors.sizes.map(FrameVectors.payload))
    }

    @Test func jsonBothWays() async throws {
        #expect(try await receiveFromPython("json", codec: JSONCodec<TestItem>(), count: 5) == TestItem.vectors)
        try await sendToPython("json", codec: JSONCodec<TestItem>(), items: TestItem.vectors)
    }

    @Test func protobufBothWays() async throws {
        let received = try await receiveFromPython("protobuf", codec: ProtobufCodec<ChannelTestItem>(), count: 5)
        #expect(received == TestItem.vectors.map(\.protobuf))
        try await sendToPython("protobuf", codec: ProtobufCodec<ChannelTestItem>(), items: TestItem.vectors.map(\.protobuf))
    }

    @Test func bincodeBothWays() async throws {
        #expect(try await receiveFromPython("bincode", codec: BincodeCodec<TestItem>(), count: 5) == TestItem.vectors)
        try await sendToPython("bincode", codec: BincodeCodec<TestItem>(), items: TestItem.vectors)
    }

    /// One byte over 8 MiB: that connection is closed with a typed error, the other peer goes on.
    @Test func oversizedFrameClosesOnlyThatConnection() async throws {
        try await Channels.mpscReceiver(.direct(host: Self.host, port: 0), codec: RawBytesCodec()) { receiver in
            let port = try #require(receiver.localPort)
            var events = receiver.events.makeAsyncIterator()
            let holder = try PythonPeer.start(["hold", Self.host, "\(port)"])
            #expect(await holder.waitFor("holding"))
            guard case .joined(let good)? = await events.next() else { Issue.record("no join"); return }
            #expect(try await receiver.receive() == [])

            let bad = try PythonPeer.start(["oversize", Self.host, "\(port)"])
            guard case .joined(let badPeer)? = await events.next() else { Issue.record("no join"); return }
            let left = await events.next()
            let limit = VariedLengthHeader.defaultMaximumFrameLength
            #expect(left == .left(badPeer, reason: .frameTooLarge(length: limit + 1, limit: limit)))
            #expect(await bad.waitFor("closed"))
            #expect(receiver.peers == [good])

            holder.send("go")
            var sizes: [Int] = []
            while sizes.count < FrameVectors.sizes.count - 1, let payload = try await receiver.receive() {
                sizes.append(payload.count)
            }
            #expect(sizes == Array(FrameVectors.sizes.dropFirst()))
        }
    }

    @Test func swiftRefusesToSendOverTheLimit() async throws {
        try await Channels.broadcastSender(.direct(host: Self.host, port: 0), codec: RawBytesCodec()) { sender in
            let port = try #require(sender.localPort)
            let peer = try PythonPeer.start(["receive", Self.host, "\(port)", "raw"])
            try await sender.waitForPeers(1, timeout: .seconds(30))
            let limit = VariedLengthHeader.defaultMaximumFrameLength
            await #expect(throws: ChannelError.frameTooLarge(length: limit + 1, limit: limit)) {
                try await sender.send([UInt8](repeating: 0, count: limit + 1))
            }
            // Nothing was written: the peer still sees exactly the expected frames.
            for size in FrameVectors.sizes { try await sender.send(FrameVectors.payload(size)) }
            #expect(await peer.waitForLine(timeout: 60) { !$0.isEmpty } == "ok \(FrameVectors.sizes.count)")
        }
    }

    @Test func barrierReleaseFrameIs0100() async throws {
        try await Channels.barrier(.direct(host: Self.host, port: 0)) { barrier in
            let port = try #require(barrier.localPort)
            let peer = try PythonPeer.start(["barrier", Self.host, "\(port)"])
            try await barrier.waitForArrivals(1, timeout: .seconds(30))
            try await barrier.release()
            #expect(await peer.waitFor("released", timeout: 30), "\(peer.transcript)")
        }
    }
}

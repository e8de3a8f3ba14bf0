import Foundation
import SyndicateChannels
import Testing
import TestSupport

/// `syndicate-channels` driven as separate processes over loopback, as a script would.
@Suite(.serialized) struct CommandLineTests {
    static let program = BuiltExecutables.path("syndicate-channels")

    func start(_ arguments: [String]) throws -> InteractiveProcess {
        try InteractiveProcess(Self.program, arguments, includeStandardError: false)
    }

    @Test func mpscPrintsCompactJSONWithSenders() async throws {
        try await ReservedPort.with { reserved in
            let address = reserved.address
            let receiver = try InteractiveProcess(Self.program, ["mpsc", "receive", "--listen", address, "--count", "4", "--with-sender"])
            let first = try start(["mpsc", "send", "--connect", address, "--retry", "10"])
            first.send(#"{"a": 1, "b": [true, null]}"#)
            first.send(#"  "two words"  "#)
            #expect(await receiver.waitForLine { $0.contains("two words") } != nil)
            let second = try start(["mpsc", "send", "--connect", address, "--retry", "10", "--count", "2"])
            second.send("3")
            second.send(#"{"x" : {"y": "z"}}"#)
            #expect(await receiver.exitStatus(timeout: 30) == 0, "receiver: \(receiver.transcript)")
            let lines = receiver.transcript
            #expect(lines.count == 4)
            let items = lines.compactMap { line -> String? in
                guard let range = line.range(of: #","item":"#) else { return nil }
                return String(line[range.upperBound...].dropLast())
            }
            #expect(items == [#"{"a":1,"b":[true,null]}"#, #""two words""#, "3", #"{"x":{"y":"z"}}"#])
            if !lines.allSatisfy({ $0.hasPrefix(#"{"from":"127.0.0.1:"#) }) { Issue.record("lines: \(lines)") }
            // Lines from one sender share one "from"; the two senders differ.
            let senders = lines.map { $0.prefix(while: { $0 != "," }) }
            #expect(senders[0] == senders[1] && senders[2] == senders[3] && senders[0] != senders[2])
            #expect(await second.exitStatus(timeout: 10) == 0)
            first.kill()
        }
    }

    @Test func broadcastInEveryCodec() async throws {
        for codec in ["json", "protobuf", "bincode", "preserves"] {
            let reserved = try ReservedPort()
            defer { withExtendedLifetime(reserved) {} }
            let address = reserved.address
            let receivers = try (0..<2).map { _ in
                try start(["broadcast", "receive", "--connect", address, "--retry", "10", "--codec", codec, "--count", "3"])
            }
            let sender = try start(["broadcast", "send", "--listen", address, "--accept", "2", "--codec", codec, "--generate", "3"])
            for receiver in receivers {
                #expect(await receiver.exitStatus(timeout: 30) == 0, "\(codec)")
                let expected = codec == "protobuf" ? ["{\"seq\":0.0}", "{\"seq\":1.0}", "{\"seq\":2.0}"] : ["{\"seq\":0}", "{\"seq\":1}", "{\"seq\":2}"]
                #expect(receiver.transcript.map { $0.replacingOccurrences(of: " ", with: "") } == expected, "\(codec)")
            }
            #expect(await sender.exitStatus(timeout: 30) == 0)
        }
    }

    @Test func barrierReleasesOnceEnoughHaveArrived() async throws {
        try await ReservedPort.with { reserved in
            let address = reserved.address
            let barrier = try InteractiveProcess(Self.program, ["barrier", "release", "--listen", address, "--accept", "2"], includeStandardError: true)
            let first = try start(["barrier", "wait", "--connect", address, "--retry", "10"])
            try await Task.sleep(for: .milliseconds(300))
            #expect(first.transcript.isEmpty)
            let second = try start(["barrier", "wait", "--connect", address, "--retry", "10"])
            #expect(await first.exitStatus(timeout: 30) == 0)
            #expect(await second.exitStatus(timeout: 30) == 0)
            #expect(first.transcript == ["released"] && second.transcript == ["released"])
            #expect(await barrier.exitStatus(timeout: 30) == 0, "\(barrier.transcript)")
            #expect(barrier.transcript.filter { !$0.hasPrefix("joined ") && !$0.hasPrefix("left ") } == ["released 2"])
        }
    }

    @Test func chatRelaysToEveryoneButTheAuthor() async throws {
        try await ReservedPort.with { reserved in
            let address = reserved.address
            // The server's joins (on its stderr) say when both clients are in the room.
            let server = try InteractiveProcess(Self.program, ["chat", "server", "--listen", address, "--with-sender"], includeStandardError: true)
            let alice = try start(["chat", "client", "--connect", address, "--retry", "10"])
            let bob = try start(["chat", "client", "--connect", address, "--retry", "10"])
            #expect(await server.waitForLines(2, timeout: 30) { $0.hasPrefix("joined ") })
            alice.send(#""hi from alice""#)
            #expect(await bob.waitFor(#""hi from alice""#))
            bob.send(#""hi from bob""#)
            #expect(await alice.waitFor(#""hi from bob""#))
            #expect(!alice.transcript.contains(#""hi from alice""#))
            #expect(await server.waitForLine { $0.hasSuffix(#""item":"hi from bob"}"#) } != nil)
            alice.kill()
            bob.kill()
            server.kill()
        }
    }

    @Test func channelBothWays() async throws {
        try await ReservedPort.with { reserved in
            let address = reserved.address
            let left = try start(["channel", "--listen", address])
            let right = try start(["channel", "--connect", address, "--retry", "10", "--count", "2"])
            left.send("[1]")
            #expect(await right.waitFor("[1]"))
            right.send("[2]")
            #expect(await left.waitFor("[2]"))
            left.send(#"{"k": "v"}"#)
            // Its second item: the connecting side stops, and the listening side sees its peer go.
            #expect(await right.exitStatus(timeout: 20) == 0)
            #expect(right.transcript == ["[1]", #"{"k":"v"}"#])
            #expect(await left.exitStatus(timeout: 20) == 0)
            left.kill()
        }
    }
}

/// `syndicate-channels` in broker mode (no --listen/--connect) against an in-process broker.
@Suite(.serialized) struct BrokerCommandLineTests {
    func start(_ arguments: [String], port: Int) throws -> InteractiveProcess {
        try InteractiveProcess(CommandLineTests.program, arguments + ["--broker", "127.0.0.1:\(port)"], includeStandardError: false)
    }

    @Test func mpscAndBarrierOverTheBroker() async throws {
        try await BrokerPrimitiveTests.withBroker { port in
            let receiver = try start(["mpsc", "receive", "--name", "jobs", "--count", "3", "--with-sender"], port: port)
            let sender = try start(["mpsc", "send", "--name", "jobs", "--label", "worker-1", "--retry", "20"], port: port)
            sender.send(#"{"job": 1}"#)
            sender.send("2")
            sender.send(#""three""#)
            #expect(await receiver.exitStatus(timeout: 30) == 0)
            #expect(receiver.transcript == [
                #"{"from":"worker-1","item":{"job":1}}"#, #"{"from":"worker-1","item":2}"#, #"{"from":"worker-1","item":"three"}"#,
            ])
            sender.kill()

            let barrier = try start(["barrier", "release", "--name", "go", "--accept", "2"], port: port)
            let waiters = try (0..<2).map { _ in try start(["barrier", "wait", "--name", "go", "--retry", "20"], port: port) }
            for waiter in waiters {
                #expect(await waiter.exitStatus(timeout: 30) == 0)
                #expect(waiter.transcript == ["released"])
            }
            #expect(await barrier.exitStatus(timeout: 30) == 0, "\(barrier.transcript)")
            #expect(barrier.transcript.filter { !$0.hasPrefix("joined ") && !$0.hasPrefix("left ") } == ["released 2"])
        }
    }

    @Test func chatOverTheBroker() async throws {
        try await BrokerPrimitiveTests.withBroker { port in
            // The server's standard error says who joined: a message sent before both clients are
            // in would not reach the later one.
            let server = try InteractiveProcess(
                CommandLineTests.program, ["chat", "server", "--name", "lobby", "--with-sender", "--broker", "127.0.0.1:\(port)"],
                includeStandardError: true)
            let alice = try start(["chat", "client", "--name", "lobby", "--label", "alice", "--retry", "20"], port: port)
            let bob = try start(["chat", "client", "--name", "lobby", "--label", "bob", "--retry", "20"], port: port)
            #expect(await server.waitForLine { $0.contains("joined") && $0.contains("alice") } != nil)
            #expect(await server.waitForLine { $0.contains("joined") && $0.contains("bob") } != nil)
            alice.send(#""hi from alice""#)
            #expect(await bob.waitFor(#""hi from alice""#))
            #expect(await server.waitForLine { $0 == #"{"from":"alice","item":"hi from alice"}"# } != nil)
            bob.send(#""hi from bob""#)
            #expect(await alice.waitFor(#""hi from bob""#))
            #expect(!alice.transcript.contains(#""hi from alice""#))
            alice.kill()
            bob.kill()
            server.kill()
        }
    }
}

import Foundation
import Preserves
import Syndicate
import SyndicateProtocols
import TestSupport
import Testing

/// The `syndicate-server` executable itself, with config scripts, against the Python peer.
@Suite("syndicate-server with config scripts", .serialized)
struct ServerBinaryTests {
    /// The executable, built by `swift test` next to the test bundle.
    static var serverPath: String {
        let directory = Bundle.main.executableURL?.deletingLastPathComponent()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [directory.appendingPathComponent("syndicate-server").path]
        candidates.append(SharedMaterial.repoPath(".build/debug/syndicate-server"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    @Test("a config directory binds a private sturdy ref and a listener; a bad file is reported and skipped")
    func configDirectory() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.serverPath), "build syndicate-server first")
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("syndicate-config-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        try """
        # The chat service: a dataspace behind a sturdy ref with a private key.
        let ?chat = dataspace
        <bind <ref {oid: "chat" key: #x"736563726574"}> $chat #f>
        <require-service <relay-listener <tcp "127.0.0.1" \(port)> $gatekeeper>>
        $chat ? <Present ?who> [ $chat <Greeting $who> ]
        """.write(to: directory.appendingPathComponent("chat.pr"), atomically: true, encoding: .utf8)
        try "<unclosed [record\n".write(to: directory.appendingPathComponent("broken.pr"), atomically: true, encoding: .utf8)

        let server = try InteractiveProcess(Self.serverPath, ["-c", directory.path, "--no-banner"], includeStandardError: true)
        #expect(await server.waitForLine { $0.contains("broken.pr:") && $0.contains("config error") } != nil)
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)

        let chatRef = try SturdyRefs.mint(oid: Value<Never>.string("chat"), key: Array("secret".utf8))
        let address = "<tcp \"127.0.0.1\" \(port)>"
        let python = try await PythonPeer.chat(name: "carol", address: address, ref: chatRef.preserves.description)
        #expect(await python.waitFor("CONNECTED"))
        #expect(await python.waitFor("PRESENT carol"))

        // With -c, the well-known ref is not bound: nobody answers it.
        let stranger = try await PythonPeer.chat(name: "stranger", address: address)
        try await Task.sleep(for: .seconds(1))
        #expect(!stranger.transcript.contains("CONNECTED"))
        stranger.kill()
        python.send("quit")
        server.kill()
    }

    @Test("SIGTERM under load drains: peers get an <error>, the server logs it and exits 0 within 2 s", arguments: [SIGTERM, SIGINT])
    func gracefulShutdown(signal: Int32) async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let server = try InteractiveProcess(Self.serverPath, ["-p", "\(port)", "--no-banner"], includeStandardError: true)
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        let (watcher, ds) = try await RelayProtocolTests.resolvedPeer(port: port)
        watcher.write(WirePackets.encode(WirePackets.observe(oid: ds, Pattern.rec("Load", Pattern.bind()), observerOid: 3, handle: 2)))
        // A consumer that is not reading when the signal comes, with a backlog queued for it.
        let (laggard, ds3) = try await RelayProtocolTests.resolvedPeer(port: port)
        laggard.write(WirePackets.encode(WirePackets.observe(oid: ds3, Pattern.rec("Load", Pattern.bind()), observerOid: 3, handle: 2)))
        let (producer, ds2) = try await RelayProtocolTests.resolvedPeer(port: port)
        let message = WirePackets.encode(WirePackets.message(oid: ds2, .record(Record(label: .symbol("Load"), fields: [.byteString([UInt8](repeating: 2, count: 1024))]))))
        let sending = SharedCount()
        let load = Thread {
            while sending.value == 0 { producer.write(message) }
        }
        load.start()
        try await Task.sleep(for: .milliseconds(300))

        // The watcher keeps reading, as a live peer does, while the server drains.
        let reading = Task { await watcher.read(timeout: 5).closed }
        let start = ContinuousClock.now
        server.signal(signal)
        let status = await server.exitStatus(timeout: 5)
        let took = ContinuousClock.now - start
        sending.increment()
        #expect(status == 0)
        #expect(took < .seconds(2), "shutdown took \(took)")
        #expect(server.transcript.contains { $0.contains("shutting down") })
        #expect(await reading.value)
        #expect(WirePackets.errors(in: try watcher.packets()).last?.message == "server shutting down")
        // A consumer that was not reading did not hold the shutdown up (the server exited in
        // time, above), and its connection is closed. (Whether its goodbye got through depends on
        // whether its socket buffers had room; a slow but reading consumer gets it, which the
        // stress suite checks.)
        let (_, laggardClosed) = await laggard.readToClose(timeout: 5)
        #expect(laggardClosed)
    }

    @Test("the README's Swift client (Examples/hello-client) asserts a typed record, receives it back, retracts it by cancelling, and exits 0")
    func helloClient() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let server = try InteractiveProcess(Self.serverPath, ["-p", "127.0.0.1:\(port)", "--no-banner"], includeStandardError: true)
        defer { server.kill() }
        #expect(await server.waitForLine { $0.contains("listening") && $0.contains("\(port)") } != nil)
        let client = URL(fileURLWithPath: Self.serverPath).deletingLastPathComponent().appendingPathComponent("hello-client").path
        let result = try await ProcessRunner.run(client, ["\(port)"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("greeting from swift: hello"))
        #expect(result.output.contains("retracted: greeting from swift"))
    }

    @Test("--inferior speaks the protocol on stdin/stdout, exporting $config as oid 0")
    func inferior() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.serverPath)
        process.arguments = ["--inferior"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Observe <bind …> in $config: the default configuration's binding comes back.
        let observe = WirePackets.observe(oid: 0, Pattern.rec("bind", Pattern.bind(), Pattern.discard, Pattern.discard), observerOid: 0, handle: 1)
        input.fileHandleForWriting.write(Data(WirePackets.encode(observe, .text)))
        let reply = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread {
                let data = output.fileHandleForReading.availableData
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }.start()
        }
        #expect(reply.hasPrefix(#"[[0 <A [<ref {key: #"" oid: "syndicate"}>]"#))
    }

    @Test("--inferior works with standard output redirected to a file")
    func inferiorToAFile() async throws {
        let path = NSTemporaryDirectory() + "inferior-\(UInt32.random(in: 0...UInt32.max)).out"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.serverPath)
        process.arguments = ["--inferior"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let observe = WirePackets.observe(oid: 0, Pattern.rec("bind", Pattern.bind(), Pattern.discard, Pattern.discard), observerOid: 0, handle: 1)
        input.fileHandleForWriting.write(Data(WirePackets.encode(observe, .text)))
        let deadline = ContinuousClock.now + .seconds(10)
        var written = ""
        while !written.contains("\n") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            written = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
        #expect(process.isRunning)
        #expect(written.hasPrefix(#"[[0 <A [<ref {key: #"" oid: "syndicate"}>]"#))
    }
}

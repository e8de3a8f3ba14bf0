import ArgumentParser
import Foundation
import SyndicateChannels
import SyndicateNIO

/// tsyncp's examples as one program that scripts can drive: senders read one JSON value per line on
/// stdin (or make `--generate N`), receivers print one compact JSON line per item on stdout, and
/// joins and leaves go to stderr.
@main
struct SyndicateChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syndicate-channels",
        abstract: "tsyncp-style channels: mpsc, broadcast, barrier, channel, chat.",
        subcommands: [Mpsc.self, Broadcast.self, BarrierCommand.self, ChannelCommand.self, Chat.self])
}

/// The options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "Direct mode: listen on HOST:PORT (the side that accepts peers).") var listen: String?
    @Option(help: "Direct mode: connect to HOST:PORT.") var connect: String?
    @Option(help: "Broker mode (the default without --listen/--connect): the syndicate-server, as <tcp \"HOST\" PORT> or HOST:PORT (default <tcp \"127.0.0.1\" 9001>, its well-known ref).") var broker: String?
    @Option(help: "Broker mode: the channel's name.") var name: String = "default"
    @Option(help: "Broker mode: the name this side goes by in its peers' joins, leaves and --with-sender (default a random token).") var label: String?
    @Option(help: "Give up on a send after SECONDS without delivery.") var sendTimeout: Double?
    @Option(help: "json, protobuf, bincode, preserves or raw.") var codec: String = "json"
    @Option(help: "Stop after N items.") var count: Int?
    @Option(help: "At most N peers at once.") var limit: Int?
    @Option(help: "Wait for N peers before starting.") var accept: Int?
    @Option(help: "Keep trying to reach the other side for SECONDS.") var retry: Double?
    @Flag(help: "Print items as {\"from\": SENDER, \"item\": ITEM}.") var withSender = false
    @Option(help: "Send N generated items {\"seq\": i} instead of reading stdin.") var generate: Int?

    func validate() throws {
        guard CodecName(rawValue: codec) != nil else { throw ValidationError("unknown codec \(codec)") }
        guard listen == nil || connect == nil else { throw ValidationError("give at most one of --listen and --connect") }
        if broker != nil, listen != nil || connect != nil { throw ValidationError("--broker is for broker mode: leave out --listen and --connect") }
        if let broker { _ = try Self.brokerAddress(broker) }
    }

    var lineCodec: LineCodec { LineCodec(name: CodecName(rawValue: codec) ?? .json) }

    var options: ChannelOptions {
        var options = ChannelOptions(limit: limit, accept: accept ?? 0)
        options.retry = retry.map { .milliseconds(Int($0 * 1000)) }
        options.sendTimeout = sendTimeout.map { .milliseconds(Int($0 * 1000)) }
        options.label = label
        options.onJoin = { peer in printError("joined \(peer.address)") }
        return options
    }

    /// Broker mode when neither --listen nor --connect is given.
    var isBrokerMode: Bool { listen == nil && connect == nil }

    static func brokerAddress(_ text: String) throws -> RelayAddress {
        if text.hasPrefix("<") {
            do { return try RelayAddress(parsing: text) } catch { throw ValidationError("\(error)") }
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw ValidationError("not <tcp \"HOST\" PORT> or HOST:PORT: \(text)")
        }
        return .tcp(host: String(text[..<colon]), port: port)
    }

    func transport(listening: Bool) throws -> Transport {
        if isBrokerMode {
            return .broker(name: name, address: try broker.map(Self.brokerAddress) ?? Transport.defaultBroker)
        }
        guard let address = listening ? listen : connect else {
            throw ValidationError(listening ? "this side listens: give --listen HOST:PORT" : "this side connects: give --connect HOST:PORT")
        }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("not HOST:PORT: \(address)")
        }
        return .direct(host: String(address[..<colon]), port: port)
    }

    /// The items to send: generated, or stdin's lines (blank lines skipped, bad JSON refused).
    func items() -> AsyncStream<String> {
        let generate = generate, count = count
        return AsyncStream { continuation in
            let task = Task {
                if let generate {
                    for i in 0..<generate { continuation.yield("{\"seq\":\(i)}") }
                } else {
                    var sent = 0
                    for await line in LineInput() {
                        if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                        guard let item = compactJSON(line) else {
                            printError("not a JSON value: \(line)")
                            continue
                        }
                        continuation.yield(item)
                        sent += 1
                        if let count, sent >= count { break }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func output(_ received: Received<String>) {
        let line = withSender ? "{\"from\":\(jsonString(received.sender.address)),\"item\":\(received.item)}" : received.item
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints items until `count` or the end.
    func printAll(_ receiver: ChannelReceiver<LineCodec>) async throws {
        var printed = 0
        if let count, count <= 0 { return }
        for try await received in receiver.withSender {
            output(received)
            printed += 1
            if let count, printed >= count { return }
        }
    }

    func sendAll(_ sender: ChannelSender<LineCodec>) async throws {
        for await item in items() { try await sender.send(item) }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Reports leaves (joins come through `onJoin`) on stderr until cancelled.
func reportLeaves(_ events: AsyncStream<PeerEvent>) async {
    for await event in events {
        switch event {
        case .joined: break
        case .left(let peer, let reason): printError("left \(peer.address)\(reason.map { ": \($0)" } ?? "")")
        case .refused(let address, let reason): printError("refused \(address)\(reason.map { ": \($0)" } ?? "")")
        }
    }
}

/// Runs `body` with leaves reported beside it.
func withLeaveReports<R: Sendable>(_ events: AsyncStream<PeerEvent>, _ body: () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await reportLeaves(events) }
        defer { group.cancelAll() }
        return try await body()
    }
}

struct Mpsc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Many senders, one receiver.")
    @Argument(help: "receive or send") var role: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        switch role {
        case "receive":
            try await Channels.mpscReceiver(common.transport(listening: true), codec: common.lineCodec, options: common.options) { rx in
                try await withLeaveReports(rx.events) { try await common.printAll(rx) }
            }
        case "send":
            try await Channels.mpscSender(common.transport(listening: false), codec: common.lineCodec, options: common.options) { tx in
                try await common.sendAll(tx)
            }
        default: throw ValidationError("mpsc receive|send")
        }
    }
}

struct Broadcast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One sender, many receivers.")
    @Argument(help: "send or receive") var role: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        switch role {
        case "send":
            try await Channels.broadcastSender(common.transport(listening: true), codec: common.lineCodec, options: common.options) { tx in
                try await withLeaveReports(tx.events) { try await common.sendAll(tx) }
            }
        case "receive":
            try await Channels.broadcastReceiver(common.transport(listening: false), codec: common.lineCodec, options: common.options) { rx in
                try await common.printAll(rx)
            }
        default: throw ValidationError("broadcast send|receive")
        }
    }
}

struct BarrierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "barrier", abstract: "Release waiters once --accept N have arrived.")
    @Argument(help: "release or wait") var role: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        switch role {
        case "release":
            try await Channels.barrier(common.transport(listening: true), options: common.options) { barrier in
                // Counted before the release: a released waiter may leave at once.
                let released = barrier.waiterCount
                try await barrier.release()
                FileHandle.standardOutput.write(Data("released \(released)\n".utf8))
            }
        case "wait":
            try await Channels.barrierWaiter(common.transport(listening: false), options: common.options) { waiter in
                try await waiter.wait()
                FileHandle.standardOutput.write(Data("released\n".utf8))
            }
        default: throw ValidationError("barrier release|wait")
        }
    }
}

struct ChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "channel", abstract: "1:1 both ways: stdin to the peer, the peer's items to stdout.")
    @Argument(help: "Broker mode: listen or connect (direct mode: taken from --listen/--connect).") var side: String?
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let side, side != "listen", side != "connect" { throw ValidationError("channel [listen|connect]") }
        if common.isBrokerMode, side == nil { throw ValidationError("over the broker, say which side: channel listen|connect") }
    }

    func run() async throws {
        let listening = common.isBrokerMode ? side == "listen" : common.listen != nil
        try await Channels.channel(common.transport(listening: listening), listen: listening, codec: common.lineCodec, options: common.options) { channel in
            let (rx, tx) = channel.split()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await common.sendAll(tx) }
                try await common.printAll(rx)
                group.cancelAll()
            }
        }
    }
}

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "tsyncp's chat: a server relaying to everyone but the author, and clients.")
    @Argument(help: "server or client") var role: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        switch role {
        case "server":
            try await Channels.multiChannel(common.transport(listening: true), codec: common.lineCodec, options: common.options) { room in
                try await withLeaveReports(room.events) {
                    var relayed = 0
                    while let message = try await room.receiveWithSender() {
                        common.output(message)
                        do { try await room.send(message.item, where: { $0 != message.sender }) } catch ChannelError.noPeers {}
                        relayed += 1
                        if let count = common.count, relayed >= count { return }
                    }
                }
            }
        case "client":
            try await ChannelCommand.run(common)
        default: throw ValidationError("chat server|client")
        }
    }
}

extension ChannelCommand {
    static func run(_ common: CommonOptions) async throws {
        try await Channels.channel(common.transport(listening: false), listen: false, codec: common.lineCodec, options: common.options) { channel in
            let (rx, tx) = channel.split()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await common.sendAll(tx) }
                try await common.printAll(rx)
                group.cancelAll()
            }
        }
    }
}


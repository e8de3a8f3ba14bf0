import BenchmarkExamples
import BenchmarkSupport
import Foundation
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols

/// Syndicate clients on blocking sockets speaking the wire protocol directly, with packets
/// built from the generated protocol types: the broker measured without the Swift runtime on
/// the client side, like the Redis clients (``RedisClients``) measure redis-server.
enum RawSyndicateClients {
    /// Our object the gatekeeper answers on, and the one observations and syncs talk to.
    static let gatekeeperAnswerOid = 0
    static let observerOid = 1

    /// A connection that has resolved the well-known ref: the socket, the dataspace's oid at the
    /// broker, and the framer holding what was read past the gatekeeper's answer.
    struct Session {
        let socket: BlockingSocket
        let dataspace: Protocol.Oid
        var framer = PacketFramer()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)

        init(port: Int) {
            guard let socket = BlockingSocket(port: port) else { fatalError("cannot connect to the broker") }
            self.socket = socket
            socket.write(PacketWriter().encode(resolvePacket(), syntax: .binary))
            var dataspace: Protocol.Oid?
            while dataspace == nil {
                let n = socket.read(into: &buffer)
                if n <= 0 { fatalError("the broker closed the connection while resolving") }
                framer.append(buffer[..<n])
                while dataspace == nil, let packet = try? framer.next() {
                    guard case .turn(let events) = packet else { continue }
                    for event in events {
                        guard case .assert(let a) = event.event,
                              case .accepted(let ds)? = try? Gatekeeper.Resolved<WireEmbedded>(preserves: a.assertion),
                              case .mine(let oid) = ds.wireRef else { continue }
                        dataspace = oid
                    }
                }
            }
            self.dataspace = dataspace!
        }

        func send(_ events: [Protocol.TurnEvent<WireEmbedded>]) {
            socket.write(PacketWriter().encode(.turn(events), syntax: .binary))
        }

        /// Observes `pattern` in the dataspace, with our object `observerOid`.
        func observe(_ pattern: DataspacePatterns.Pattern<WireEmbedded>) {
            let observe = Dataspace.Observe<WireEmbedded>(pattern: pattern, observer: WireEmbedded(.mine(oid: SignedInteger(observerOid))))
            send([Protocol.TurnEvent(oid: dataspace, event: .assert(Protocol.Assert(assertion: observe.preserves, handle: 2)))])
        }

        /// Reads what is available and calls `body` with each event of each whole packet.
        /// Exits the process when the broker closes the connection.
        mutating func readEvents(_ body: (Protocol.TurnEvent<WireEmbedded>) -> Void) {
            let n = socket.read(into: &buffer)
            if n <= 0 { exit(1) }
            framer.append(buffer[..<n])
            do {
                while let packet = try framer.next() {
                    guard case .turn(let events) = packet else { continue }
                    for event in events { body(event) }
                }
            } catch {
                fatalError("bad packet from the broker: \(error)")
            }
        }
    }

    static func resolvePacket() -> WirePacket {
        let ref = Sturdy.SturdyRef<Ref>.wellKnownSyndicate.preserves.mapEmbedded { _ -> WireEmbedded in fatalError("no embedded values in a sturdy ref") }
        let request = Gatekeeper.Resolve<WireEmbedded>(
            step: Gatekeeper.Step(stepType: "ref", detail: (try! Sturdy.SturdyRef<WireEmbedded>(preserves: ref)).parameters.preserves),
            observer: WireEmbedded(.mine(oid: SignedInteger(gatekeeperAnswerOid))))
        return .turn([Protocol.TurnEvent(oid: 0, event: .assert(Protocol.Assert(assertion: request.preserves, handle: 1)))])
    }

    /// Like `producer -a perBatch -b padding`: Turn packets of `perBatch` `<Says "producer" #[…]>`
    /// messages, each ending with a sync, with at most `window` batches unconfirmed.
    static func publisher(port: Int, perBatch: Int, padding: Int, window: Int = 16) -> Never {
        var session = Session(port: port)
        let says = Examples.Says<WireEmbedded>(who: "producer", what: .byteString([UInt8](repeating: 0, count: padding))).preserves
        var events = [Protocol.TurnEvent<WireEmbedded>](
            repeating: Protocol.TurnEvent(oid: session.dataspace, event: .message(Protocol.Message(body: says))), count: perBatch)
        events.append(Protocol.TurnEvent(oid: session.dataspace, event: .sync(Protocol.Sync(peer: WireEmbedded(.mine(oid: SignedInteger(observerOid)))))))
        let batch = PacketWriter().encode(.turn(events), syntax: .binary)
        let observer = SignedInteger(observerOid)
        var outstanding = 0
        while true {
            while outstanding < window {
                session.socket.write(batch)
                outstanding += 1
            }
            session.readEvents { event in
                if event.oid == observer, case .message = event.event { outstanding -= 1 }
            }
        }
    }

    /// Like `consumer`: observes `<Says _ _>` and prints "N messages in the last second".
    static func subscriber(port: Int) -> Never {
        var session = Session(port: port)
        session.observe(Examples.Says<WireEmbedded>.pattern().pattern)
        let counter = LockedCounter()
        Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                emit("\(counter.take()) messages in the last second")
            }
        }.start()
        let observer = SignedInteger(observerOid)
        while true {
            var count = 0
            session.readEvents { event in
                if event.oid == observer, case .message = event.event { count += 1 }
            }
            counter.add(count)
        }
    }

    /// Like `pingpong pong`: answers every `<Ping ns pad>` with `<Pong ns pad>`, one packet per read.
    static func pong(port: Int) -> Never {
        var session = Session(port: port)
        let ping = Examples.Ping.pattern(sentAt: .any, padding: .any) as DataspacePatterns.TypedPattern<WireEmbedded, Examples.Ping>
        session.observe(ping.pattern)
        let observer = SignedInteger(observerOid)
        let dataspace = session.dataspace
        while true {
            var out: [Protocol.TurnEvent<WireEmbedded>] = []
            session.readEvents { event in
                guard event.oid == observer, case .message(let m) = event.event, case .sequence(let captures) = m.body,
                      let p = try? ping.decode(captures) else { return }
                let pong = Examples.Pong(sentAt: p.sentAt, padding: p.padding).preserves(as: WireEmbedded.self)
                out.append(Protocol.TurnEvent(oid: dataspace, event: .message(Protocol.Message(body: pong))))
            }
            if !out.isEmpty { session.send(out) }
        }
    }

    /// Like `pingpong ping -l samples`: one `<Ping>` in flight; prints round-trip percentiles.
    static func ping(port: Int, samples: Int) -> Never {
        var session = Session(port: port)
        let pong = Examples.Pong.pattern(sentAt: .any, padding: .any) as DataspacePatterns.TypedPattern<WireEmbedded, Examples.Pong>
        session.observe(pong.pattern)
        // A sync after the observation: its answer says the observation is in place.
        session.send([Protocol.TurnEvent(oid: session.dataspace, event: .sync(Protocol.Sync(peer: WireEmbedded(.mine(oid: 2)))))])
        var synced = false
        while !synced {
            session.readEvents { event in if event.oid == 2 { synced = true } }
        }
        let dataspace = session.dataspace
        func send() {
            let ping = Examples.Ping(sentAt: SignedInteger(nanosecondsNow()), padding: []).preserves(as: WireEmbedded.self)
            session.send([Protocol.TurnEvent(oid: dataspace, event: .message(Protocol.Message(body: ping)))])
        }
        let observer = SignedInteger(observerOid)
        var rtts: [Double] = []
        send()
        while true {
            var got = 0
            session.readEvents { event in
                guard event.oid == observer, case .message(let m) = event.event, case .sequence(let captures) = m.body,
                      let p = try? pong.decode(captures), let sent = p.sentAt.exactly(UInt64.self) else { return }
                rtts.append(Double(nanosecondsNow() &- sent) / 1e6)
                got += 1
            }
            if rtts.count >= samples {
                emit(percentileLine(rtts.sorted()))
                rtts.removeAll(keepingCapacity: true)
            }
            for _ in 0..<got { send() }
        }
    }
}

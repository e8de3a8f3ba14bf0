import Foundation
import Logging
import Preserves
import Syndicate
import SyndicateNIO
import SyndicateProtocols
import SyndicateServerSchemas

/// `<require-service <daemon ID>>` with `<daemon ID SPEC>` (upstream's externalServices.prs):
/// runs SPEC's process, restarting it by its policy, logging its output to `$log`, and — with
/// `protocol: application/syndicate` or `text/syndicate` — speaking the Syndicate protocol with
/// it over its stdin and stdout, publishing the object it exports (its oid 0) as
/// `<service-object <daemon ID> #:obj>`.
///
/// The daemon is `started` while its process starts, `ready` once it runs (with `readyOnStart`,
/// the default, except for `<one-shot …>`), `complete` when it has exited for good (a one-shot
/// command that succeeded, or any exit its policy does not restart), and `failed` when its spec
/// is invalid. Withdrawing the requirement stops the process (SIGTERM, then SIGKILL after 2 s).
enum DaemonService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        ServiceHost.serve(turn, context, kind: ExternalServices.DaemonService<Ref>.pattern()) { turn, service, status in
            status.set(turn, .started)
            let processes = ExternalServices.DaemonProcess<Ref>.pattern(id: .literal(service.id))
            turn.during(context.config, processes) { turn, process in
                do {
                    let plan = try DaemonPlan(process.config)
                    DaemonRunner(plan: plan, service: status.name, status: status, context: context).start(turn)
                } catch {
                    context.logger.error("invalid daemon spec", metadata: ["service": "\(status.name)", "error": "\(error)"])
                    status.set(turn, .failed)
                }
            }
        }
    }
}

/// Runs one daemon process in the current facet, over and over as its policy says. Created
/// and used in turns of the service's actor; its task reaches back through the activator.
final class DaemonRunner {
    private let plan: DaemonPlan
    private let service: AnyValue
    private let status: ServiceStatus
    private let context: ServiceContext
    private var published: Handle?

    init(plan: DaemonPlan, service: AnyValue, status: ServiceStatus, context: ServiceContext) {
        self.plan = plan
        self.service = service
        self.status = status
        self.context = context
    }

    func start(_ turn: Turn) {
        _ = turn.preventInertCheck()
        let me = ActorConfined(self, owner: turn.actor)
        let plan = self.plan
        let service = self.service
        let context = self.context
        turn.linkedTask { activator in
            while !Task.isCancelled {
                activator.activate { turn in me.get(in: turn).status.set(turn, .started) }
                let exit = await DaemonProcessRun.run(plan, service: service, context: context) { event in
                    activator.activate { turn in me.get(in: turn).handle(turn, event) }
                }
                switch DaemonExitDecision.after(exitedCleanly: exit.cleanly, policy: plan.restart) {
                case .restart(let delay):
                    context.logger.info("daemon exited; restarting", metadata: ["service": "\(service)", "exit": "\(exit)", "after": "\(delay)"])
                    try await Task.sleep(for: delay)
                case .complete:
                    context.logger.info("daemon exited", metadata: ["service": "\(service)", "exit": "\(exit)"])
                    activator.activate { turn in me.get(in: turn).status.set(turn, .complete) }
                    return
                }
            }
        }
    }

    private func handle(_ turn: Turn, _ event: DaemonProcessRun.Event) {
        switch event {
        case .started:
            if plan.readyOnStart { status.set(turn, .ready) }
        case .peer(let object):
            if let old = published { turn.retract(old) }
            published = status.publish(turn, object: .embedded(object))
        case .peerGone:
            if let old = published { turn.retract(old) }
            published = nil
        case .line(let pid, let stream, let line):
            let detail: Server.LogDetail<Ref> = [
                "pid": .integer(SignedInteger(pid)), "line": .string(line), "service": service, "stream": .symbol(Symbol(stream)),
            ]
            turn.message(context.log, Server.LogEntry<Ref>(timestamp: Date().formatted(.iso8601), detail: detail))
        }
    }
}

/// One run of a daemon's process, from spawning it to its exit.
enum DaemonProcessRun {
    enum Event: Sendable {
        /// The process is running.
        case started
        /// It speaks the protocol, and exports `object` as its oid 0.
        case peer(Ref)
        /// Its protocol session ended.
        case peerGone
        /// A line it wrote to `stream` ("stdout" or "stderr").
        case line(pid: Int32, stream: String, line: String)
    }

    struct Exit: Sendable, CustomStringConvertible {
        var cleanly: Bool
        var description: String
    }

    /// Spawns the process, reports what happens, and returns when it has exited (killing it if
    /// the calling task is cancelled).
    static func run(
        _ plan: DaemonPlan, service: AnyValue, context: ServiceContext, report: @escaping @Sendable (Event) -> Void
    ) async -> Exit {
        var environment = plan.clearEnvironment ? [:] : ProcessInfo.processInfo.environment
        for (name, value) in plan.environment { environment[name] = value }
        let speaksProtocol: Bool
        if case .syndicate = plan.wireProtocol { speaksProtocol = true } else { speaksProtocol = false }
        let child: ChildProcess
        do {
            // A bare program name is looked up on the child's own PATH, by env(1).
            let absolute = plan.program.hasPrefix("/")
            child = try ChildProcess.spawn(
                executable: absolute ? plan.program : "/usr/bin/env",
                arguments: absolute ? plan.arguments : [plan.program] + plan.arguments,
                environment: environment, directory: plan.directory, pipeStdin: speaksProtocol)
        } catch {
            return Exit(cleanly: false, description: "cannot start \(plan.program): \(error)")
        }
        let pid = child.pid
        report(.started)
        LineReader.start(child.stderr) { report(.line(pid: pid, stream: "stderr", line: $0)) }
        if speaksProtocol, let toChild = child.stdin {
            let text = plan.wireProtocol == .syndicate(text: true)
            let fromChild = child.stdout
            Task {
                do {
                    let connection = try await StdioRelay.connect(
                        input: fromChild, output: toChild, name: "daemon \(service)", syntax: text ? .text : .binary,
                        limits: context.limits, logger: context.logger, group: context.group)
                    report(.peer(connection.peer))
                    _ = await connection.session.actor.terminated()
                    report(.peerGone)
                } catch {
                    context.logger.warning("daemon does not speak the protocol", metadata: ["service": "\(service)", "error": "\(error)"])
                }
            }
        } else {
            LineReader.start(child.stdout) { report(.line(pid: pid, stream: "stdout", line: $0)) }
        }
        return await withTaskCancellationHandler {
            let termination = await child.termination()
            return Exit(cleanly: termination == .exited(0), description: termination.description)
        } onCancel: {
            child.signal(SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) { child.signal(SIGKILL) }
        }
    }
}

/// Reads lines from a pipe on a thread of its own (off Swift's cooperative pool) until it
/// closes, then closes it. Lines longer than 64 KiB are cut.
enum LineReader {
    static func start(_ fd: Int32, _ line: @escaping @Sendable (String) -> Void) {
        let thread = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                for byte in buffer[0..<n] {
                    if byte == UInt8(ascii: "\n") || pending.count >= 65536 {
                        line(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                        if byte == UInt8(ascii: "\n") { continue }
                    }
                    pending.append(byte)
                }
            }
            if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
            close(fd)
        }
        thread.name = "daemon output"
        thread.start()
    }
}

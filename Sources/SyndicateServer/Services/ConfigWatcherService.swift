import Foundation
import Logging
import Preserves
import Syndicate
import SyndicateProtocols
import SyndicateServerSchemas

/// `<config-watcher PATH ENV>` (upstream's internalServices.prs): runs the config scripts at
/// `PATH` with the variables of `ENV` (a dictionary of symbols) on top of the broker's
/// (`$config`, `$log`, `$gatekeeper`).
///
/// `PATH` is a `.pr` file or a directory searched recursively for non-hidden `*.pr` files, run
/// in name order, each in its own facet. Files are checked for changes every poll interval: a
/// changed file is parsed again and, if it parses, its old facet stops (withdrawing what it
/// asserted) and the new version runs; if it does not, the error is logged with its position
/// and the old version keeps running. A script that fails at run time is logged the same way;
/// the other scripts and the server go on. The service is `ready` once every file has been
/// read once.
enum ConfigWatcherService {
    static func register(_ turn: Turn, _ context: ServiceContext) {
        let base: [String: AnyValue] = [
            "config": .embedded(context.config), "log": .embedded(context.log), "gatekeeper": .embedded(context.gatekeeper),
        ].merging(context.extraEnvironment) { first, _ in first }
        ServiceHost.serve(turn, context, kind: InternalServices.ConfigWatcher<Ref>.pattern()) { turn, watcher, status in
            var environment = base
            for (key, value) in watcher.env { environment[key.name] = value }
            start(turn, path: watcher.path, environment: environment, status: status,
                  pollInterval: context.configPollInterval, logger: context.logger)
        }
    }

    private static func start(
        _ turn: Turn, path: String, environment: [String: AnyValue], status: ServiceStatus,
        pollInterval: Duration?, logger: Logger
    ) {
        _ = turn.preventInertCheck()
        status.set(turn, .started)
        let scripts = RunningScripts(environment: environment, logger: logger)
        turn.onStop { _ in scripts.stopAll() }
        let activator = turn.activator
        let confinedStatus = ActorConfined(status, owner: turn.actor)
        turn.linkedTask { _ in
            var seen: [String: String] = [:]
            var first = true
            while !Task.isCancelled {
                let files = ConfigFiles.list(path, logger: logger)
                var changes: [(String, String?)] = []
                for (file, text) in files where seen[file] != text {
                    changes.append((file, text))
                    seen[file] = text
                }
                for file in seen.keys where files[file] == nil {
                    changes.append((file, nil))
                    seen[file] = nil
                }
                let announce = first
                if !changes.isEmpty || announce {
                    let batch = changes
                    activator.activate { turn in
                        for (file, text) in batch.sorted(by: { $0.0 < $1.0 }) { scripts.update(turn, file: file, text: text) }
                        if announce { confinedStatus.get(in: turn).set(turn, .ready) }
                    }
                }
                first = false
                guard let pollInterval else { return }
                try await Task.sleep(for: pollInterval)
            }
        }
    }
}

/// The scripts a watcher runs, each in an actor of its own, so that a script failing at run
/// time (say, a `let` that does not match inside a `?` handler) ends only that script, with
/// its assertions withdrawn. Used only in turns of the watcher's actor.
final class RunningScripts: @unchecked Sendable {
    private let environment: [String: AnyValue]
    private let logger: Logger
    private var actors: [String: SyndicateActor] = [:]

    init(environment: [String: AnyValue], logger: Logger) {
        self.environment = environment
        self.logger = logger
    }

    /// Runs the new `text` of `file` in place of the old (or stops it, for `nil`).
    func update(_ turn: Turn, file: String, text: String?) {
        guard let text else {
            actors.removeValue(forKey: file)?.run { $0.stopActor() }
            logger.info("config file removed", metadata: ["file": "\(file)"])
            return
        }
        let script: ConfigScript
        do {
            script = try ConfigScript.parse(text, file: file, environmentNames: Set(environment.keys))
        } catch {
            logger.error("config error: \(error)")
            return
        }
        actors.removeValue(forKey: file)?.run { $0.stopActor() }
        let environment = self.environment
        let logger = self.logger
        let executor = turn.actor.executor
        let actor = SyndicateActor.boot(name: "config \(file)", executor: executor) { turn in
            _ = turn.preventInertCheck()
            do {
                try script.run(turn, environment: environment)
            } catch {
                logger.error("config error: \(error)")
                turn.stopActor()
            }
        }
        actors[file] = actor
        Task {
            let status = await actor.terminated()
            if case .error(let reason) = status { logger.error("config script \(file) failed: \(reason)") }
        }
        logger.info("config file loaded", metadata: ["file": "\(file)"])
    }

    /// Stops every script (the watcher is going away).
    func stopAll() {
        for actor in actors.values { actor.run { $0.stopActor() } }
        actors.removeAll()
    }
}

/// Finds config files: one file, or the non-hidden `*.pr` files under a directory.
enum ConfigFiles {
    static func list(_ path: String, logger: Logger) -> [String: String] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            logger.warning("config path does not exist", metadata: ["path": "\(path)"])
            return [:]
        }
        var files: [String] = []
        if isDirectory.boolValue {
            let root = URL(fileURLWithPath: path)
            if let walker = manager.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) {
                for case let url as URL in walker where url.pathExtension == "pr" {
                    files.append(url.path)
                }
            }
        } else {
            files = [path]
        }
        var out: [String: String] = [:]
        for file in files.sorted() {
            guard let data = manager.contents(atPath: file) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                logger.error("config file is not UTF-8", metadata: ["file": "\(file)"])
                continue
            }
            out[file] = text
        }
        return out
    }
}

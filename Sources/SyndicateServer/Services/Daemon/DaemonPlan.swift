import Preserves
import Syndicate
import SyndicateServerSchemas

/// A `<daemon ID SPEC>` process spec (upstream's externalServices.prs) elaborated into what to
/// run: the command line, environment, directory, readiness, restart policy and protocol, with
/// upstream's defaults filled in.
struct DaemonPlan: Sendable, Equatable {
    enum WireProtocol: Sendable, Equatable {
        /// stdin is /dev/null; stdout and stderr are logged.
        case none
        /// stdin and stdout are a Syndicate relay channel (binary or text); stderr is logged.
        case syndicate(text: Bool)
    }

    var program: String
    var arguments: [String]
    /// Variables to set (`String`) or remove (`nil`).
    var environment: [String: String?] = [:]
    var directory: String?
    var clearEnvironment = false
    /// Whether the daemon counts as ready once its process has started (otherwise it says so
    /// itself, or, for one-shot daemons, by completing).
    var readyOnStart = true
    var restart: ExternalServices.RestartPolicy = .always
    var wireProtocol: WireProtocol = .none
    /// `<one-shot …>`: completes when its command succeeds.
    var oneShot = false

    /// Why a spec cannot be run (`invalid` alternatives of its fields).
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ spec: ExternalServices.DaemonProcessSpec<Ref>) throws(Invalid) {
        switch spec {
        case .simple(let command):
            (program, arguments) = Self.commandLine(command)
        case .oneShot(let setup):
            (program, arguments) = Self.commandLine(setup)
            oneShot = true
            readyOnStart = false
            restart = .onError
        case .full(let full):
            (program, arguments) = Self.commandLine(full.process.argv)
            switch full.process.env {
            case .present(let env):
                for (name, value) in env {
                    let key: String
                    switch name {
                    case .string(let s): key = s
                    case .symbol(let s): key = s.name
                    case .invalid(let v): throw Invalid(description: "invalid environment variable name \(v)")
                    }
                    switch value {
                    case .set(let s): environment[key] = .some(s)
                    case .remove: environment[key] = .some(nil)
                    case .invalid(let v): throw Invalid(description: "invalid value \(v) for environment variable \(key)")
                    }
                }
            case .invalid(let v): throw Invalid(description: "invalid env \(v)")
            case .absent: break
            }
            switch full.process.dir {
            case .present(let dir): directory = dir
            case .invalid(let v): throw Invalid(description: "invalid dir \(v)")
            case .absent: break
            }
            switch full.process.clearEnv {
            case .present(let clear): clearEnvironment = clear
            case .invalid(let v): throw Invalid(description: "invalid clearEnv \(v)")
            case .absent: break
            }
            switch full.readyOnStart {
            case .present(let ready): readyOnStart = ready
            case .invalid(let v): throw Invalid(description: "invalid readyOnStart \(v)")
            case .absent: break
            }
            switch full.restart {
            case .present(let policy): restart = policy
            case .invalid(let v): throw Invalid(description: "invalid restart \(v)")
            case .absent: break
            }
            switch full.protocol {
            case .present(.none): wireProtocol = .none
            case .present(.binarySyndicate): wireProtocol = .syndicate(text: false)
            case .present(.textSyndicate): wireProtocol = .syndicate(text: true)
            case .invalid(let v): throw Invalid(description: "invalid protocol \(v)")
            case .absent: break
            }
        }
    }

    /// A shell command runs as `sh -c COMMAND`.
    private static func commandLine(_ command: ExternalServices.CommandLine) -> (String, [String]) {
        switch command {
        case .shell(let text): ("/bin/sh", ["-c", text])
        case .full(let full): (full.program, full.args)
        }
    }
}

/// What a daemon's process does next when it exits, by its restart policy (upstream's rules:
/// restart after 200 ms following a clean exit and 1 s following a failure; `all`, which
/// upstream answers by restarting every process of the daemon, restarts this one, the only
/// one a `<daemon ID SPEC>` describes).
enum DaemonExitDecision: Equatable {
    /// Run the process again after the delay.
    case restart(after: Duration)
    /// Leave it stopped; the daemon is `complete`.
    case complete

    static func after(exitedCleanly: Bool, policy: ExternalServices.RestartPolicy) -> DaemonExitDecision {
        switch (policy, exitedCleanly) {
        case (.always, true): .restart(after: .milliseconds(200))
        case (.always, false), (.onError, false), (.all, false): .restart(after: .seconds(1))
        case (.onError, true), (.all, true), (.never, _): .complete
        }
    }
}

import Foundation
import TestSupport

/// The Python interop peer: syndicate-py 0.19.3 from PyPI in a virtual environment at
/// `.build-pyvenv/` in the repository (created here on first use if `.ci/run` has not already
/// made it; set `SYNDICATE_PYTHON` to use another interpreter that has the package).
enum PythonPeer {
    static let script = SharedMaterial.repoPath("Tests/SyndicateRelayTests/Interop/chat_client.py")

    static func python() async throws -> String {
        if let configured = ProcessInfo.processInfo.environment["SYNDICATE_PYTHON"] { return configured }
        return try await venv.value
    }

    private static let venv = Task<String, any Error> {
        let root = SharedMaterial.repoPath(".build-pyvenv")
        let python = root + "/bin/python"
        if FileManager.default.fileExists(atPath: python) {
            let check = try await ProcessRunner.run(python, ["-c", "import syndicate"])
            if check.status == 0 { return python }
        }
        let create = try await ProcessRunner.run("/usr/bin/env", ["python3", "-m", "venv", root])
        guard create.status == 0 else { throw PeerSetupError(output: create.output) }
        let install = try await ProcessRunner.run(root + "/bin/pip", ["install", "--quiet", "syndicate-py==0.19.3"])
        guard install.status == 0 else { throw PeerSetupError(output: install.output) }
        return python
    }

    /// Starts a chat participant named `name` against `address` (Preserves text).
    /// Each of `via` is resolved first, in order, at the gatekeeper the previous one gave.
    static func chat(name: String, address: String, ref: String? = nil, via: [String] = []) async throws -> InteractiveProcess {
        var arguments = ["-u", script, "--address", address, "--name", name]
        if let ref { arguments += ["--ref", ref] }
        for step in via { arguments += ["--via", step] }
        return try InteractiveProcess(try await python(), arguments)
    }
}

struct PeerSetupError: Error, CustomStringConvertible {
    var output: String
    var description: String { "could not install syndicate-py==0.19.3 into .build-pyvenv: \(output)" }
}

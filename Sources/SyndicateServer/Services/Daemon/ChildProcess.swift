import Foundation
import NIOConcurrencyHelpers
import SyndicateNIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A daemon's process, spawned with `posix_spawn` and reaped by a thread of its own.
///
/// Foundation's `Process` is not used: on Linux it learns of a child's exit when a socket the
/// child holds closes, and a process spawned concurrently from another thread can inherit that
/// socket, so an exit goes unnoticed until the other process exits too. Here every descriptor
/// the broker creates for a child is close-on-exec, the child closes everything above stderr
/// where the C library can (`posix_spawn_file_actions_addclosefrom_np`), and the exit comes from
/// `waitid` on the pid itself.
final class ChildProcess: Sendable {
    /// How a child ended.
    enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    /// Why a child could not be spawned: the call that failed and its `errno`.
    struct SpawnError: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    let pid: pid_t
    /// The parent's end of the child's stdin, when it is a pipe (else the child reads /dev/null).
    let stdin: Int32?
    /// The parent's ends of the child's stdout and stderr.
    let stdout: Int32
    let stderr: Int32
    /// Set, under the lock, once the pid has been reaped: afterwards it may name another process.
    private let reaped = NIOLockedValueBox(false)
    private let ended = SettledOnce<Termination>()

    private init(pid: pid_t, stdin: Int32?, stdout: Int32, stderr: Int32) {
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Spawns `executable` (an absolute path) with `arguments` (not including argv[0]) and
    /// exactly `environment`, in `directory` if given, in a process group of its own, with
    /// default signal dispositions and an empty signal mask.
    static func spawn(
        executable: String, arguments: [String], environment: [String: String], directory: String?, pipeStdin: Bool
    ) throws(SpawnError) -> ChildProcess {
        var opened: [Int32] = []
        func closeOpened() { for fd in opened { close(fd) } }
        func pipePair() throws(SpawnError) -> (read: Int32, write: Int32) {
            var fds: [Int32] = [-1, -1]
            guard openPipe(&fds) == 0 else { throw SpawnError(operation: "pipe", code: errno) }
            opened += fds
            return (fds[0], fds[1])
        }
        let input: (read: Int32, write: Int32)
        do throws(SpawnError) {
            if pipeStdin {
                input = try pipePair()
            } else {
                let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard null >= 0 else { throw SpawnError(operation: "open /dev/null", code: errno) }
                opened.append(null)
                input = (null, -1)
            }
        } catch {
            closeOpened()
            throw error
        }
        let output: (read: Int32, write: Int32)
        let errors: (read: Int32, write: Int32)
        do throws(SpawnError) {
            output = try pipePair()
            errors = try pipePair()
        } catch {
            closeOpened()
            throw error
        }

        var actions = FileActions()
        var attributes = SpawnAttributes()
        defer {
            actions.destroy()
            attributes.destroy()
        }
        do throws(SpawnError) {
            try actions.dup(input.read, to: STDIN_FILENO)
            try actions.dup(output.write, to: STDOUT_FILENO)
            try actions.dup(errors.write, to: STDERR_FILENO)
            actions.closeAbove(STDERR_FILENO)
            if let directory { try actions.changeDirectory(directory) }
            try attributes.configure()
        } catch {
            closeOpened()
            throw error
        }

        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment.map { "\($0.key)=\($0.value)" })
        defer {
            argv.free()
            envp.free()
        }
        var pid: pid_t = 0
        let result = actions.withPointer { actions in
            attributes.withPointer { attributes in
                posix_spawn(&pid, executable, actions, attributes, argv.pointers, envp.pointers)
            }
        }
        // The child's ends belong to the child now (or to nobody, if the spawn failed).
        close(input.read)
        close(output.write)
        close(errors.write)
        guard result == 0 else {
            if input.write >= 0 { close(input.write) }
            close(output.read)
            close(errors.read)
            throw SpawnError(operation: "posix_spawn \(executable)", code: result)
        }
        let child = ChildProcess(pid: pid, stdin: pipeStdin ? input.write : nil, stdout: output.read, stderr: errors.read)
        child.startReaper()
        return child
    }

    /// Waits for the child to end.
    func termination() async -> Termination { await ended.value() }

    /// Sends `signal` to the child unless it has already been reaped.
    func signal(_ signal: Int32) {
        reaped.withLock { reaped in
            if !reaped { _ = kill(pid, signal) }
        }
    }

    private func startReaper() {
        let thread = Thread { [self] in
            // Wait without reaping, so that `signal` (under the same lock) never reaches a
            // recycled pid; then reap.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            var status: Int32 = 0
            let reapedPid = reaped.withLock { reaped -> pid_t in
                var result: pid_t
                repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
                reaped = true
                return result
            }
            let termination: Termination
            if reapedPid != pid {
                termination = .exited(-1)
            } else if status & 0x7f == 0 {
                termination = .exited((status >> 8) & 0xff)
            } else {
                termination = .signalled(status & 0x7f)
            }
            ended.settle(termination)
        }
        thread.name = "daemon reaper"
        thread.start()
    }
}

/// `pipe2(fds, O_CLOEXEC)`: both ends close-on-exec from the start, so no child spawned
/// concurrently (by us or by Foundation) can inherit them. Swift's Glibc module does not declare
/// `pipe2`; where the C library lacks it, `pipe` and then `FD_CLOEXEC`.
private func openPipe(_ fds: inout [Int32]) -> Int32 {
    #if canImport(Darwin)
    guard pipe(&fds) == 0 else { return -1 }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return 0
    #else
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    if let pipe2 = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2").map({ unsafeBitCast($0, to: Pipe2.self) }) {
        return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) }
    }
    guard pipe(&fds) == 0 else { return -1 }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return 0
    #endif
}

/// NUL-terminated C strings with a trailing null pointer, as `posix_spawn` wants for argv and envp.
private struct CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    func free() {
        for index in 0..<count { Foundation.free(pointers[index]) }
        pointers.deallocate()
    }
}

/// `posix_spawn_file_actions_t`, with the GNU extensions looked up at run time (Swift's Glibc
/// module does not declare them; `closefrom` needs glibc 2.34, `chdir` 2.29).
private struct FileActions {
    #if canImport(Darwin)
    typealias Storage = posix_spawn_file_actions_t?
    private var actions: Storage = nil
    #else
    typealias Storage = posix_spawn_file_actions_t
    private var actions = Storage()
    #endif

    init() { posix_spawn_file_actions_init(&actions) }

    mutating func destroy() { posix_spawn_file_actions_destroy(&actions) }

    mutating func withPointer<R>(_ body: (UnsafePointer<Storage>) -> R) -> R {
        withUnsafePointer(to: &actions) { body($0) }
    }

    mutating func dup(_ fd: Int32, to target: Int32) throws(ChildProcess.SpawnError) {
        let result = posix_spawn_file_actions_adddup2(&actions, fd, target)
        guard result == 0 else { throw ChildProcess.SpawnError(operation: "posix_spawn_file_actions_adddup2", code: result) }
    }

    /// Closes every descriptor above `fd` in the child, where the C library can; elsewhere the
    /// broker's own descriptors are close-on-exec anyway.
    mutating func closeAbove(_ fd: Int32) {
        #if canImport(Darwin)
        _ = fd
        #else
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, fd + 1) }
        #endif
    }

    mutating func changeDirectory(_ path: String) throws(ChildProcess.SpawnError) {
        #if canImport(Darwin)
        let result = posix_spawn_file_actions_addchdir_np(&actions, path)
        #else
        guard let changeDirectory = Self.changeDirectory else {
            throw ChildProcess.SpawnError(operation: "posix_spawn_file_actions_addchdir_np (needs glibc 2.29)", code: ENOSYS)
        }
        let result = changeDirectory(&actions, path)
        #endif
        guard result == 0 else { throw ChildProcess.SpawnError(operation: "posix_spawn_file_actions_addchdir_np", code: result) }
    }

    #if !canImport(Darwin)
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }
    private static let changeDirectory: ChangeDirectory? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: ChangeDirectory.self) }
    #endif
}

/// `posix_spawnattr_t`: a process group of the child's own (so a terminal's Ctrl-C reaches the
/// broker, which stops its daemons itself), every signal at its default, none blocked.
private struct SpawnAttributes {
    #if canImport(Darwin)
    typealias Storage = posix_spawnattr_t?
    private var attributes: Storage = nil
    #else
    typealias Storage = posix_spawnattr_t
    private var attributes = Storage()
    #endif

    init() { posix_spawnattr_init(&attributes) }

    mutating func destroy() { posix_spawnattr_destroy(&attributes) }

    mutating func withPointer<R>(_ body: (UnsafePointer<Storage>) -> R) -> R {
        withUnsafePointer(to: &attributes) { body($0) }
    }

    mutating func configure() throws(ChildProcess.SpawnError) {
        var defaults = sigset_t()
        sigfillset(&defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        var flags = Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        for (operation, result) in [
            ("posix_spawnattr_setflags", posix_spawnattr_setflags(&attributes, Int16(flags))),
            ("posix_spawnattr_setpgroup", posix_spawnattr_setpgroup(&attributes, 0)),
            ("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&attributes, &defaults)),
            ("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(&attributes, &mask)),
        ] where result != 0 {
            throw ChildProcess.SpawnError(operation: operation, code: result)
        }
    }
}

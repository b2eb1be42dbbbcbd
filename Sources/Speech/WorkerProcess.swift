import Dispatch
import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// One synthesis worker process seen from the speaker: its pid and the speaker's end of its
/// socket.
///
/// Started with posix_spawn (never fork: the daemon is multithreaded). The child gets its socket
/// as descriptor 3, /dev/null as stdin and stdout, the speaker's stderr, and nothing else: every
/// other descriptor is closed at spawn (`posix_spawn_file_actions_addclosefrom_np`), so a worker
/// never holds a client socket, a WAV file or the audio device of the daemon. Signals the daemon
/// ignores or blocks are reset to their defaults in the child.
///
/// `kill` may be called from any thread; it never signals a pid that has been reaped (reaping
/// first waits with WNOWAIT, then reaps under the same lock `kill` takes), so it cannot hit an
/// unrelated process that reused the pid.
final class WorkerProcess: Sendable {
    let pid: pid_t
    let channel: WorkerChannel
    let executable: String

    /// Whether the process is reaped (and how it ended), and the watch on its idle socket.
    private struct State {
        var reaped = false
        var termination = ""
        var attention = false
        var watchSource: DispatchSourceRead?
        var watchCancelled: DispatchSemaphore?
    }

    /// Also what `kill` and `reap` serialize on, so a reaped pid is never signalled.
    private let state = Locked(State())

    private init(pid: pid_t, fd: Int32, executable: String) {
        self.pid = pid
        self.channel = WorkerChannel(fd: fd)
        self.executable = executable
    }

    /// Starts `command` with a fresh socket pair. Throws `SpeechError.worker` when the socket or
    /// the process cannot be created (e.g. the executable does not exist).
    static func spawn(_ command: WorkerCommand) throws -> WorkerProcess {
        let executable = command.executable
        func failure(_ call: String, _ code: Int32) -> SpeechError {
            .worker(executable: executable, reason: "\(call): \(String(cString: strerror(code)))")
        }
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw failure("socketpair", errno)
        }
        let parentEnd = ends[0]
        var childEnd = ends[1]
        defer { _ = Glibc.close(childEnd) }
        // dup2 onto the same number would leave close-on-exec set with older C libraries.
        if childEnd <= SpeechWorker.socketDescriptor {
            let moved = fcntl(childEnd, F_DUPFD_CLOEXEC, SpeechWorker.socketDescriptor + 1)
            if moved < 0 {
                let code = errno
                _ = Glibc.close(parentEnd)
                throw failure("fcntl", code)
            }
            _ = Glibc.close(childEnd)
            childEnd = moved
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, childEnd, SpeechWorker.socketDescriptor)
        if let closeFrom = Self.closeFrom {
            _ = closeFrom(&actions, SpeechWorker.socketDescriptor + 1)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment = ProcessInfo.processInfo.environment
        environment.merge(command.environment) { _, new in new }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + command.arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            _ = Glibc.close(parentEnd)
            throw failure("cannot start", spawned)
        }
        return WorkerProcess(pid: pid, fd: parentEnd, executable: executable)
    }

    /// glibc 2.34+ (Debian 12 has 2.36); Swift's Glibc module does not export this GNU extension,
    /// so it is looked up at run time.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            .map { unsafeBitCast($0, to: CloseFrom.self) }
    }()

    /// Sends SIGKILL unless the process has been reaped already. Any thread.
    func kill() {
        state.withLock { s in
            guard !s.reaped else { return }
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    /// Waits for the process to end, reaps it and closes the socket; returns how it ended, e.g.
    /// "exited with status 0" or "killed by signal 9 (Killed)". Call after the socket reached end
    /// of stream or after `kill`, or it waits for the worker to finish.
    @discardableResult
    func reap() -> String {
        stopWatching()
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        return state.withLock { s in
            if s.reaped { return s.termination }
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
            s.reaped = true
            // ECHILD: someone else reaped it (or SIGCHLD is ignored); nothing left to wait for.
            s.termination = result == pid ? Self.describe(status) : "ended (exit status unavailable: \(String(cString: strerror(errno))))"
            channel.close()
            return s.termination
        }
    }

    /// Calls `handler` on `queue` once, as soon as the socket becomes readable: an idle worker
    /// sends nothing before its request, so that means it failed to start or died.
    func watch(on queue: DispatchQueue, _ handler: @escaping @Sendable () -> Void) {
        let fd = channel.fd
        // Made inside the lock, so the source never exists outside `state`. Its handler may run
        // (on `queue`) before the lock is released; it then waits for it in `setAttention`.
        state.withLock { s in
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            let cancelled = DispatchSemaphore(value: 0)
            // The handler holds the source until it is cancelled, which always happens: here, or
            // in stopWatching (reap calls it).
            source.setEventHandler { [weak self] in
                source.cancel()
                self?.setAttention()
                handler()
            }
            source.setCancelHandler { cancelled.signal() }
            source.resume()
            s.watchSource = source
            s.watchCancelled = cancelled
        }
    }

    /// Ends `watch`; when it returns the handler is not running and will not run.
    func stopWatching() {
        let (source, cancelled) = state.withLock { s in
            defer {
                s.watchSource = nil
                s.watchCancelled = nil
            }
            return (s.watchSource, s.watchCancelled)
        }
        guard let source, let cancelled else { return }
        source.cancel()
        cancelled.wait()
    }

    /// True once the watch saw the idle worker's socket become readable.
    var needsAttention: Bool { state.withLock { $0.attention } }

    private func setAttention() {
        state.withLock { $0.attention = true }
    }

    private static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
        return "killed by signal \(signal) (\(name))"
    }
}

import CLinuxInput
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one camera command in its own process group, with a deadline.
///
/// stdin and stdout are /dev/null, no other descriptor is inherited; stderr goes to a pipe whose last `stderrLimit` bytes are
/// kept (for the spoken error). The process is waited for through a pidfd, so the wait ends the
/// moment it exits even if a child it left behind still holds stderr open. At the deadline, and
/// after any exit, the whole group is sent SIGKILL: a hung program and everything it started
/// are gone before `run` returns.
enum CameraProcess {
    enum Outcome: Equatable {
        case exited(CaptureError.ExitStatus, stderr: String)
        case timedOut(stderr: String)
        case cannotStart(String)
    }

    static let stderrLimit = 4096

    /// `deadline`: monotonic nanoseconds (`DispatchTime.now().uptimeNanoseconds`).
    static func run(executable: String, arguments: [String], environment: [String], deadline: UInt64) -> Outcome {
        var pipeFds: [Int32] = [0, 0]
        guard pipe(&pipeFds) == 0 else { return .cannotStart("pipe: \(errnoText())") }
        let (errRead, errWrite) = (pipeFds[0], pipeFds[1])
        _ = fcntl(errRead, F_SETFD, FD_CLOEXEC)
        _ = fcntl(errRead, F_SETFL, O_NONBLOCK)
        defer { close(errRead) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, errWrite, 2)
        // Nothing else of the daemon's (its socket, the journal, key devices) reaches the camera.
        assist_spawn_close_from(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (pgid = its pid), default signal handling, nothing blocked:
        // the daemon's SIG_IGN for SIGPIPE must not leak into the camera program.
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(errWrite)
        guard spawned == 0 else { return .cannotStart(errnoText(spawned)) }

        let pidfd = assist_pidfd_open(pid)
        guard pidfd >= 0 else {
            let reason = errnoText()
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            return .cannotStart("pidfd_open: \(reason)")
        }
        defer { close(pidfd) }

        var tail = StderrTail(limit: stderrLimit)
        var stderrOpen = true
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline {
                kill(-pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
                tail.drain(errRead)
                return .timedOut(stderr: tail.text)
            }
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stderrOpen ? errRead : -1, events: Int16(POLLIN), revents: 0)]
            let milliseconds = Int32(min(UInt64(Int32.max), (deadline - now + 999_999) / 1_000_000))
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0 && errno != EINTR { break }
            if fds[1].revents != 0 && !tail.drain(errRead) { stderrOpen = false }
            if fds[0].revents != 0 { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Anything it left running in its group (a helper that still holds the camera) goes too.
        kill(-pid, SIGKILL)
        tail.drain(errRead)
        let exit: CaptureError.ExitStatus = status & 0x7f == 0 ? .code((status >> 8) & 0xff) : .signal(status & 0x7f)
        return .exited(exit, stderr: tail.text)
    }
}

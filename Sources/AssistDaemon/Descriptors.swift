#if canImport(Glibc)
import Glibc
#endif

/// `struct ucred` from <sys/socket.h>, which Glibc's Swift module hides behind _GNU_SOURCE:
/// what SO_PEERCRED returns.
struct PeerCredentials {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}

/// Descriptor helpers for calls the Glibc module does not export (pipe2, accept4).
enum Descriptors {
    /// Makes `fds` a non-blocking, close-on-exec pipe: the self-pipe that wakes a poll loop.
    static func makeWakePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds {
            setFlags(fd)
        }
        return true
    }

    /// accept() with the result made non-blocking and close-on-exec. The daemon starts no child
    /// processes, so the window between accept and FD_CLOEXEC leaks nothing.
    static func accept(_ listener: Int32) -> Int32 {
        let fd = Glibc.accept(listener, nil, nil)
        if fd >= 0 { setFlags(fd) }
        return fd
    }

    private static func setFlags(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }
}

import Foundation
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

    /// accept() with the result made non-blocking and close-on-exec. The only children, speech
    /// workers, are spawned with every descriptor above 3 closed, so the window between accept and
    /// FD_CLOEXEC leaks nothing.
    static func accept(_ listener: Int32) -> Int32 {
        let fd = Glibc.accept(listener, nil, nil)
        if fd >= 0 { setFlags(fd) }
        return fd
    }

    /// Reads up to `size` bytes from offset 0 with pread (the descriptor's own offset is left
    /// alone); fewer when the file is shorter. Nil on a read error (errno is kept).
    static func readAll(_ fd: Int32, size: Int) -> Data? {
        var data = Data(count: size)
        let n = data.withUnsafeMutableBytes { raw -> Int in
            var off = 0
            while off < raw.count {
                let r = pread(fd, raw.baseAddress! + off, raw.count - off, off_t(off))
                if r < 0 { if errno == EINTR { continue } else { return -1 } }
                if r == 0 { break }
                off += r
            }
            return off
        }
        return n < 0 ? nil : data.prefix(n)
    }

    private static func setFlags(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }
}

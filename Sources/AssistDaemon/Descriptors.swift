import Foundation
import SystemSupport
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

/// accept(2) as the socket server needs it, which the Glibc module offers no accept4 for.
enum Descriptors {
    /// accept() with the result made non-blocking and close-on-exec. The only children, speech
    /// workers, are spawned with every descriptor above 3 closed, so the window between accept and
    /// FD_CLOEXEC leaks nothing.
    static func accept(_ listener: Int32) -> Int32 {
        let fd = Glibc.accept(listener, nil, nil)
        if fd >= 0, (try? Descriptor.makeNonBlocking(fd)) == nil {
            let code = errno
            close(fd)
            errno = code
            return -1
        }
        return fd
    }

    // forwarding: arch replaces this
    /// SocketServer's wake pipe; `PollLoop.Waker` is the shared one.
    static func makeWakePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds where (try? Descriptor.makeNonBlocking(fd)) == nil { return false }
        return true
    }

    // forwarding: arch replaces this
    /// Daemon.swift's and SocketServer.swift's photo read; `Descriptor.readAll(_:size:)` is the
    /// shared one. Nil on a read error, with errno kept for the caller's message.
    static func readAll(_ fd: Int32, size: Int) -> Data? {
        do { return try Descriptor.readAll(fd, size: size) } catch {
            errno = error.errno
            return nil
        }
    }
}

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
}

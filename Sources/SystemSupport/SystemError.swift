import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A system call that failed: which call, on which path (when there is one), and the errno it
/// set. The description reads like a shell's message, e.g. `open /x/y: Permission denied`.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. `open`, `fsync`, `inotify_init1`.
    public var call: String
    /// The file, directory or socket it acted on; nil for calls without one (`poll`, `pipe2`).
    public var path: String?
    /// The errno the call set.
    public var errno: Int32

    /// Records a failure; `errno` defaults to the calling thread's current value, so create the
    /// error right after the failing call.
    public init(_ call: String, path: String? = nil, errno: Int32 = Glibc.errno) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    /// The C library's text for `errno`, e.g. "No space left on device".
    public var reason: String { String(cString: strerror(errno)) }

    /// True for ENOSPC and EDQUOT: the file system (or the user's quota) is full.
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }

    public var description: String {
        if let path { return "\(call) \(path): \(reason)" }
        return "\(call): \(reason)"
    }
}

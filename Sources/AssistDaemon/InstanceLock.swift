import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Why this daemon may not use its state directory.
enum InstanceLockError: Error, CustomStringConvertible {
    /// Another process holds the lock; `pid` is what it wrote into the lock file (nil when the
    /// file holds no pid yet).
    case held(path: String, pid: Int32?)
    case system(SystemError)

    var description: String {
        switch self {
        case .held(let path, let pid?):
            return "another assistd (pid \(pid)) is using this state directory; its lock is \(path)"
        case .held(let path, nil):
            return "another assistd is using this state directory; its lock is \(path)"
        case .system(let e): return "cannot take the state directory's lock: \(e)"
        }
    }
}

/// The single-instance lock of a state directory: `flock(LOCK_EX|LOCK_NB)` on `assistd.lock`,
/// held for the process's lifetime. Two daemons on one state directory would describe and speak
/// every photo twice, and one's start-up compaction would rename the journal under the other, so
/// the daemon takes this before it opens the journal. The kernel drops the lock when the process
/// dies however it dies, so a stale file never blocks a restart; the pid in it is only for the
/// message of the daemon that is refused.
final class InstanceLock: Sendable {
    /// The lock file's path.
    let path: String
    private let fd: Int32

    /// Takes the lock in `directory` and writes this process's pid into it.
    ///
    /// - Throws: `InstanceLockError.held` naming the holder's pid when another process has it.
    init(directory: String) throws(InstanceLockError) {
        path = directory + "/assistd.lock"
        // O_NOFOLLOW|O_NONBLOCK: a symlink or FIFO planted at the name is refused, never followed
        // or waited on. O_CLOEXEC: speech workers and other children must not hold the lock.
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(SystemError("open", path: path)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = InstanceLock.pid(in: fd)
            close(fd)
            if failure == EWOULDBLOCK { throw .held(path: path, pid: holder) }
            throw .system(SystemError("flock", path: path, errno: failure))
        }
        let text = Array("\(getpid())\n".utf8)
        do throws(SystemError) {
            guard ftruncate(fd, 0) == 0 else { throw SystemError("ftruncate", path: path) }
            try Descriptor.writeAll(fd, text, path: path)
        } catch {
            close(fd)
            throw .system(error)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The pid written in the lock file, if it holds one.
    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A write failed; names the file and the system error.
struct DurableWriteError: Error, CustomStringConvertible {
    var path: String
    var call: String
    var errno: Int32
    var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }
}

/// Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
/// target, fsync the directory. After a crash the target is either the old or the new content.
enum DurableFile {
    static func write(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = "\(dir)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DurableWriteError(path: tmp, call: "open", errno: errno) }
        do {
            try writeAll(fd, data, path: tmp)
            guard fsync(fd) == 0 else { throw DurableWriteError(path: tmp, call: "fsync", errno: errno) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw DurableWriteError(path: path, call: "rename", errno: e)
        }
        try syncDirectory(dir)
    }

    static func syncDirectory(_ dir: String) throws {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw DurableWriteError(path: dir, call: "open", errno: errno) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw DurableWriteError(path: dir, call: "fsync", errno: errno) }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DurableWriteError(path: path, call: "write", errno: errno)
                }
                off += n
            }
        }
    }

    /// Creates `path` and missing parents with `mode` (the last component gets exactly `mode`).
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        var st = stat()
        if stat(path, &st) == 0 { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent, mode: 0o700) }
        if mkdir(path, mode) != 0, errno != EEXIST {
            throw DurableWriteError(path: path, call: "mkdir", errno: errno)
        }
        chmod(path, mode)
    }
}

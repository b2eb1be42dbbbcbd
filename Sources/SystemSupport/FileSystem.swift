import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File-system steps with one crash-safety rule everywhere: a file is replaced by writing a
/// temporary file in the same directory, fsyncing it, renaming it over the target and fsyncing
/// the directory. After a crash the target holds either the old or the new content; a failure
/// of any step, the directory fsync included, is an error.
public enum FileSystem {
    /// Replaces `path` with `data`, durably; the new file gets exactly `mode` (not filtered by the
    /// umask), so a caller can give a file the mode of the photo it belongs to.
    ///
    /// The temporary file is `.<name>.<random>.tmp` beside the target, created with
    /// O_EXCL|O_NOFOLLOW: a symlink, FIFO or file planted at that name makes the write fail
    /// instead of following it, and O_NONBLOCK keeps an open from ever waiting on a FIFO.
    /// `temporaryName` maps the target's file name to the temporary one (tests pick it to plant
    /// things there).
    public static func writeDurably(_ data: Data, to path: String, mode: mode_t = 0o600,
                                    temporaryName: (String) -> String = randomTemporaryName) throws(SystemError) {
        let directory = directoryOf(path)
        let temporary = directory + "/" + temporaryName(nameOf(path))
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode)
        guard fd >= 0 else { throw SystemError("open", path: temporary) }
        do throws(SystemError) {
            guard fchmod(fd, mode) == 0 else { throw SystemError("fchmod", path: temporary) }
            try Descriptor.writeAll(fd, data, path: temporary)
            guard fsync(fd) == 0 else { throw SystemError("fsync", path: temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let failure = SystemError("rename", path: path)
            unlink(temporary)
            throw failure
        }
        try syncDirectory(directory)
    }

    /// `.<name>.<16 random hex digits>.tmp`: hidden (folder watchers skip it), and not guessable
    /// by another user who can write to the directory.
    public static func randomTemporaryName(_ name: String) -> String {
        ".\(name).\(String(UInt64.random(in: .min ... .max), radix: 16)).tmp"
    }

    /// fsyncs the directory itself, so that entries created or renamed in it survive a crash.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError("fsync", path: path) }
    }

    /// Creates `path` and any missing parents. A directory this call creates gets exactly `mode`
    /// (parents it creates get `parentMode`); one that exists already is left as it is. A
    /// non-directory in the way is an error (`mkdir ...: File exists`).
    public static func makeDirectory(_ path: String, mode: mode_t, parentMode: mode_t = 0o700) throws(SystemError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw SystemError("mkdir", path: path, errno: EEXIST) }
            return
        }
        let parent = directoryOf(path)
        if parent != path, parent != "." { try makeDirectory(parent, mode: parentMode, parentMode: parentMode) }
        if mkdir(path, mode) != 0 {
            // Another process may have created it between the stat and the mkdir.
            if errno == EEXIST, stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw SystemError("mkdir", path: path)
        }
        guard chmod(path, mode) == 0 else { throw SystemError("chmod", path: path) }
    }

    /// The directory part of `path`: `/a/b` for `/a/b/c`, `/` for `/c`, `.` for `c`.
    static func directoryOf(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    static func nameOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

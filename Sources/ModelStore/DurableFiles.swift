import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The models directory's file-system steps that must not leave a half-done state behind:
/// durable writes (SystemSupport's one rule: temp file, fsync, rename, directory fsync),
/// renames, an atomic directory exchange, free space, and an install lock. Failures are
/// `ModelStoreError`s naming the path.
enum DurableFiles {
    static func syncDirectory(_ url: URL) throws {
        do { try FileSystem.syncDirectory(url.path) } catch { throw ModelStoreError(error) }
    }

    /// Replaces `url` with `data` durably; the file is readable by everyone, like the
    /// checkpoint files beside it.
    static func write(_ data: Data, to url: URL) throws {
        do { try FileSystem.writeDurably(data, to: url.path, mode: 0o644) } catch { throw ModelStoreError(error) }
    }

    static func rename(_ from: URL, to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw ModelStoreError.io(path: to.path, operation: "rename \(from.lastPathComponent) to", errno: errno)
        }
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// Swaps two directory entries in one step with `renameat2(RENAME_EXCHANGE)` (Linux 3.15,
    /// glibc 2.28; looked up at run time because Swift's Glibc module does not declare it).
    /// Returns false when the kernel, libc or file system cannot, so the caller can fall back.
    static func exchange(_ a: URL, _ b: URL) -> Bool {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a.path, AT_FDCWD, b.path, renameExchange) == 0
    }

    /// Puts the complete directory `staging` at `target`: swapped with an older one in one step
    /// where the file system can (else renamed aside first), then the parent is synced.
    static func moveIntoPlace(_ staging: URL, at target: URL) throws {
        if FileManager.default.fileExists(atPath: target.path) {
            if exchange(staging, target) {
                removeTree(staging)
            } else {
                let old = staging.appendingPathExtension("old")
                try rename(target, to: old)
                try rename(staging, to: target)
                removeTree(old)
            }
        } else {
            try rename(staging, to: target)
        }
        try syncDirectory(target.deletingLastPathComponent())
    }

    static func removeTree(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// Creates `url` and its parents, readable by everyone (the daemon may run as another user
    /// of the same group).
    static func makeDirectory(_ url: URL) throws {
        do { try FileSystem.makeDirectory(url.path, mode: 0o755, parentMode: 0o755) } catch { throw ModelStoreError(error) }
    }

    /// Bytes an unprivileged process may still write on the file system holding `url`.
    static func freeSpace(_ url: URL) -> Int64? {
        var info = statvfs()
        guard statvfs(url.path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    static func fileSize(_ url: URL) -> Int64? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Takes an exclusive `flock` on `url`, or throws `.busy`; the lock lasts until `release`.
    static func lock(_ url: URL, name: String) throws -> Int32 {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelStoreError.io(path: url.path, operation: "open lock", errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw ModelStoreError.busy(name: name, lockFile: url.path) }
            throw ModelStoreError.io(path: url.path, operation: "lock", errno: code)
        }
        return fd
    }

    static func release(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

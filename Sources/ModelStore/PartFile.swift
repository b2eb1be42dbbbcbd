import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// An open `.part` file that a download appends to. Writes go straight to the descriptor so that
/// ENOSPC and EDQUOT surface as `ModelStoreError.diskFull` naming the file. Used by one download
/// at a time: its HTTP callbacks run on one serial queue while the caller waits.
final class PartFile {
    let url: URL
    private var fd: Int32
    /// Bytes in the file.
    private(set) var length: Int64

    init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelStoreError.io(path: url.path, operation: "open", errno: errno) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let code = errno
            Glibc.close(fd)
            throw ModelStoreError.io(path: url.path, operation: "seek", errno: code)
        }
        length = Int64(end)
    }

    deinit { close() }

    func append(_ data: Data) throws {
        do { try Descriptor.writeAll(fd, data, path: url.path) } catch { throw ModelStoreError(error) }
        length += Int64(data.count)
    }

    func truncate() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw ModelStoreError.io(path: url.path, operation: "truncate", errno: errno)
        }
        length = 0
    }

    /// Flushes to disk, so that the resume point survives a power cut.
    func sync() throws {
        guard fsync(fd) == 0 else { throw ModelStoreError(SystemError("fsync", path: url.path)) }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}

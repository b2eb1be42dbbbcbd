import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An open `.part` file that a download appends to. Writes go straight to the descriptor so that
/// ENOSPC and EDQUOT surface as `ModelStoreError.diskFull` naming the file.
final class PartFile: @unchecked Sendable {
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

    func append(_ data: Data) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw PartFile.writeError(url, errno)
                }
                offset += n
            }
        }
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
        guard fsync(fd) == 0 else { throw PartFile.writeError(url, errno) }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    static func writeError(_ url: URL, _ code: Int32) -> ModelStoreError {
        code == ENOSPC || code == EDQUOT
            ? .diskFull(path: url.path, needed: 0, available: 0)
            : .io(path: url.path, operation: "write", errno: code)
    }
}

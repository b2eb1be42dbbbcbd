import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The size and hashes of a file on disk, read once in 1 MiB chunks.
public struct FileDigest: Sendable, Equatable {
    public var size: Int64
    /// Lower-case hex SHA-256 of the content (the hub's LFS object id for LFS files).
    public var sha256: String
    /// Lower-case hex Git blob SHA-1 (`git hash-object`), the hub's `blobId` for non-LFS files.
    public var gitBlobSHA1: String

    /// Hashes `url`; `size` is taken from `fstat` so the Git blob header is right from the start.
    public static func of(_ url: URL) throws -> FileDigest {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelStoreError.io(path: url.path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelStoreError.io(path: url.path, operation: "stat", errno: errno) }
        let size = Int64(info.st_size)
        var sha256 = SHA256()
        var sha1 = SHA1.gitBlob(size: size)
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw ModelStoreError.io(path: url.path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            let slice = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            sha256.update(slice)
            sha1.update(slice)
            total += Int64(n)
        }
        guard total == size else {
            throw ModelStoreError.io(path: url.path, operation: "read (file changed while hashing)", errno: EIO)
        }
        return FileDigest(size: size, sha256: sha256.finalize().hexString, gitBlobSHA1: sha1.finalize().hexString)
    }
}

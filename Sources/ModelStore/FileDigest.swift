import Foundation
import SystemSupport
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
        var total: Int64 = 0
        while true {
            let piece: Data
            do { piece = try Descriptor.readAll(fd, limit: chunk, path: url.path) } catch { throw ModelStoreError(error) }
            if piece.isEmpty { break }
            piece.withUnsafeBytes { slice in
                sha256.update(slice)
                sha1.update(slice)
            }
            total += Int64(piece.count)
        }
        guard total == size else {
            throw ModelStoreError.io(path: url.path, operation: "read (file changed while hashing)", errno: EIO)
        }
        return FileDigest(size: size, sha256: sha256.finalize().hexString, gitBlobSHA1: sha1.finalize().hexString)
    }
}

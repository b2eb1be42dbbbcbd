import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which photo a journal record is about: the same path with a new inode, size or mtime is a new
/// photo (the camera overwrote it), the same inode under the same path is not.
struct PhotoIdentity: Codable, Hashable, Sendable {
    var path: String
    var dev: UInt64
    var ino: UInt64
    var size: Int64
    /// Nanoseconds since 1970.
    var mtimeNs: Int64

    init(path: String, dev: UInt64, ino: UInt64, size: Int64, mtimeNs: Int64) {
        self.path = path; self.dev = dev; self.ino = ino; self.size = size; self.mtimeNs = mtimeNs
    }

    init(path: String, stat st: stat) {
        self.init(path: path, dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), size: Int64(st.st_size),
                  mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    /// The file name for events and speech, a byte that is not UTF-8 shown as `\xNN`.
    var name: String { FileName.display((path as NSString).lastPathComponent) }

    enum CodingKeys: String, CodingKey { case path, dev, ino, size, mtimeNs = "mtime_ns" }
}

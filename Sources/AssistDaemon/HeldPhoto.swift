import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A photo a client passed as a descriptor, held unread until the worker's turn comes.
///
/// The socket server never reads it: the bytes of a waiting photo cost nothing in the queue (a
/// queue of `max_queue` descriptors to one 20 MiB file holds no 20 MiB copies), and a file that
/// stalls on read (FUSE, NFS) blocks only the worker, never the poll thread that answers every
/// other client. The descriptor is closed when the last job holding it ends.
final class HeldPhoto: Sendable {
    let fd: Int32
    /// The client's name for the photo, for errors.
    let name: String

    /// Takes ownership of `fd`.
    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    deinit { close(fd) }

    /// Reads the photo: it must be a regular file within `limit` bytes. Uses pread, so the
    /// client's file offset does not matter. Never opens anything, never blocks on a FIFO.
    func read(limit: Int) throws(RemoteError) -> Data {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RemoteError(.photoInvalid, "cannot stat photo \(name): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw RemoteError(.photoInvalid, "photo \(name) is not a regular file")
        }
        guard st.st_size <= limit else {
            throw RemoteError(.photoInvalid, "photo \(name) is \(st.st_size) bytes, larger than the limit of \(limit) bytes")
        }
        do { return try Descriptor.readAll(fd, size: Int(st.st_size)) } catch {
            throw RemoteError(.photoInvalid, "cannot read photo \(name): \(error.reason)")
        }
    }
}

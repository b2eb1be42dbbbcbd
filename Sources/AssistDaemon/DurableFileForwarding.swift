import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

// forwarding: arch replaces this
/// The error type Journal.swift and SocketServer.swift still name; SystemSupport's `SystemError`
/// carries the same call, path and errno.
struct DurableWriteError: Error, CustomStringConvertible {
    var path: String
    var call: String
    var errno: Int32

    init(path: String, call: String, errno: Int32) {
        self.path = path
        self.call = call
        self.errno = errno
    }

    init(_ error: SystemError) {
        self.init(path: error.path ?? "", call: error.call, errno: error.errno)
    }

    var description: String { SystemError(call, path: path, errno: errno).description }
}

// forwarding: arch replaces this
/// The durable-write calls of Daemon.swift, Journal.swift and SocketServer.swift, forwarded to
/// SystemSupport's `FileSystem` and `Descriptor` (one semantics: a failed directory fsync is an
/// error).
enum DurableFile {
    static func write(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
        do { try FileSystem.writeDurably(data, to: path, mode: mode) } catch { throw DurableWriteError(error) }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        do { try Descriptor.writeAll(fd, data, path: path) } catch { throw DurableWriteError(error) }
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws {
        do { try FileSystem.makeDirectory(path, mode: mode) } catch { throw DurableWriteError(error) }
    }
}

import Foundation
import SystemSupport
import XCTest
import Glibc

/// A FUSE file system, spoken to directly over /dev/fuse (no libfuse), holding one regular file,
/// `photo.jpg`, whose reads are never answered: the stalled FUSE or NFS file of issue 11
/// finding 5. Lookups, attributes and opens are answered, so the file opens and `fstat`s as a
/// regular file; a `read` waits until `close()` aborts the connection (the reader then gets an
/// error). Needs root (mount(2)); tests skip without it.
final class StallingFuse: @unchecked Sendable {
    let mountPoint: String
    var file: String { mountPoint + "/photo.jpg" }
    private let fd: Int32
    /// Signalled when a READ request arrives, i.e. someone is now blocked reading the file.
    let readArrived = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let stopping = Locked(false)
    private let fileSize: UInt64 = 4096

    init(mountPoint: String) throws {
        self.mountPoint = mountPoint
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        fd = open("/dev/fuse", O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw XCTSkip("no /dev/fuse: \(String(cString: strerror(errno)))") }
        let options = "fd=\(fd),rootmode=40000,user_id=0,group_id=0"
        guard mount("assist-stall", mountPoint, "fuse", UInt(MS_NOSUID | MS_NODEV), options) == 0 else {
            let e = errno
            Glibc.close(fd)
            throw XCTSkip("cannot mount a FUSE file system here: \(String(cString: strerror(e)))")
        }
        let t = Thread { [self] in serve() }
        t.start()
    }

    /// Unmounts and aborts the connection, so a blocked read returns an error: the serving
    /// thread stops first, since the kernel aborts only once no one holds /dev/fuse open.
    func close() {
        stopping.withLock { $0 = true }
        _ = done.wait(timeout: .now() + 5)
        umount2(mountPoint, Int32(MNT_DETACH))
        Glibc.close(fd)
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 1 << 20 + 4096)
        while !stopping.withLock({ $0 }) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) >= 0 || errno == EINTR else { break }
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR || errno == EAGAIN { continue }
            guard n >= 40 else { break }
            let opcode: UInt32 = load(buffer, 4)
            let unique: UInt64 = load(buffer, 8)
            let node: UInt64 = load(buffer, 16)
            switch opcode {
            case 26: // INIT: protocol 7.31, nothing optional.
                var out = Data()
                out += le(UInt32(7)); out += le(UInt32(31)); out += le(load(buffer, 48) as UInt32)  // major, minor, max_readahead
                out += le(UInt32(0)); out += le(UInt16(16)); out += le(UInt16(12))                  // flags, max_background, congestion
                out += le(UInt32(65536)); out += le(UInt32(1)); out += le(UInt16(0)); out += le(UInt16(0))  // max_write, time_gran, max_pages, map_alignment
                out += Data(count: 4 + 28)                                                          // flags2, unused
                reply(unique, out)
            case 1: // LOOKUP
                let name = String(decoding: buffer[40..<n].prefix { $0 != 0 }, as: UTF8.self)
                guard node == 1, name == "photo.jpg" else { reply(unique, error: ENOENT); continue }
                var out = Data()
                out += le(UInt64(2)); out += le(UInt64(0)); out += le(UInt64(3600)); out += le(UInt64(3600))
                out += le(UInt32(0)); out += le(UInt32(0))
                out += attributes(2)
                reply(unique, out)
            case 3: // GETATTR
                var out = Data()
                out += le(UInt64(3600)); out += le(UInt32(0)); out += le(UInt32(0))
                out += attributes(node)
                reply(unique, out)
            case 14, 27: // OPEN, OPENDIR
                reply(unique, le(UInt64(1)) + le(UInt32(1)) + le(UInt32(0)))  // fh 1, FOPEN_DIRECT_IO
            case 15: // READ: never answered.
                readArrived.signal()
            case 18, 25, 29: // RELEASE, FLUSH, RELEASEDIR
                reply(unique, Data())
            case 2, 36, 38, 42: // FORGET, INTERRUPT, DESTROY, BATCH_FORGET: no reply
                continue
            default:
                reply(unique, error: ENOSYS)
            }
        }
        done.signal()
    }

    private func attributes(_ node: UInt64) -> Data {
        let isFile = node == 2
        var a = Data()
        a += le(node); a += le(isFile ? fileSize : 0); a += le(UInt64(isFile ? 8 : 0))
        a += le(UInt64(0)); a += le(UInt64(0)); a += le(UInt64(0))                    // atime, mtime, ctime
        a += le(UInt32(0)); a += le(UInt32(0)); a += le(UInt32(0))
        a += le(isFile ? UInt32(S_IFREG | 0o644) : UInt32(S_IFDIR | 0o755))
        a += le(UInt32(isFile ? 1 : 2)); a += le(UInt32(0)); a += le(UInt32(0))       // nlink, uid, gid
        a += le(UInt32(0)); a += le(UInt32(4096)); a += le(UInt32(0))                 // rdev, blksize, flags
        return a
    }

    private func reply(_ unique: UInt64, _ body: Data) {
        var out = le(UInt32(16 + body.count)) + le(Int32(0)) + le(unique)
        out += body
        _ = out.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private func reply(_ unique: UInt64, error: Int32) {
        let out = le(UInt32(16)) + le(-error) + le(unique)
        _ = out.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private func load<T: FixedWidthInteger>(_ b: [UInt8], _ offset: Int) -> T {
        b.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    private func le<T: FixedWidthInteger>(_ v: T) -> Data {
        withUnsafeBytes(of: v.littleEndian) { Data($0) }
    }
}

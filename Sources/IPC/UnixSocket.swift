import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Why a socket operation failed, in words a person can act on.
public enum UnixSocketError: Error, Equatable, CustomStringConvertible {
    /// Nothing listens at the path (no file, or a stale socket).
    case notListening(path: String)
    /// The path or its directory is not accessible to this user.
    case permissionDenied(path: String)
    /// sockaddr_un holds at most 107 bytes of path.
    case pathTooLong(path: String)
    /// The peer closed the connection.
    case closed
    /// No complete frame arrived in time.
    case timedOut(seconds: Double)
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .notListening(let p): return "nothing is listening on \(p)"
        case .permissionDenied(let p): return "permission denied on \(p)"
        case .pathTooLong(let p): return "socket path is longer than 107 bytes: \(p)"
        case .closed: return "the connection was closed"
        case .timedOut(let s): return "no answer within \(s) seconds"
        case .system(let call, let e): return "\(call) failed: \(String(cString: strerror(e)))"
        }
    }
}

/// Unix stream socket helpers shared by the daemon and the client: addresses, descriptor passing
/// (SCM_RIGHTS) and writes that cannot raise SIGPIPE.
public enum UnixSocket {
    /// Bytes of `struct cmsghdr` before the data (cmsg_len is a size_t, then two ints).
    static let cmsgHeaderSize = MemoryLayout<cmsghdr>.stride
    /// Room for this many descriptors per read; more are closed by the kernel's truncation flag.
    public static let maxDescriptorsPerRead = 4

    static func align(_ n: Int) -> Int {
        let a = MemoryLayout<Int>.size
        return (n + a - 1) & ~(a - 1)
    }

    /// Builds a sockaddr_un for `path`.
    public static func address(_ path: String) throws -> (sockaddr_un, socklen_t) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { throw UnixSocketError.pathTooLong(path: path) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + 1
        return (addr, socklen_t(length))
    }

    /// Connects to the daemon's socket; returns a blocking, close-on-exec descriptor.
    public static func connect(path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UnixSocketError.system(call: "socket", errno: errno) }
        var (addr, length) = try address(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if rc != 0 {
            let e = errno
            close(fd)
            switch e {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw UnixSocketError.notListening(path: path)
            case EACCES, EPERM: throw UnixSocketError.permissionDenied(path: path)
            default: throw UnixSocketError.system(call: "connect", errno: e)
            }
        }
        return fd
    }

    /// Writes all of `data`, passing `descriptors` with the first byte. Uses MSG_NOSIGNAL so a
    /// vanished peer yields EPIPE instead of killing the process. On a non-blocking socket it
    /// returns the number of bytes written before EAGAIN.
    @discardableResult
    public static func send(_ fd: Int32, _ data: Data, descriptors: [Int32] = []) throws -> Int {
        var written = 0
        var pendingDescriptors = descriptors
        while written < data.count {
            let n: Int = data.withUnsafeBytes { raw in
                var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + written),
                                iov_len: data.count - written)
                var msg = msghdr()
                let control = pendingDescriptors.isEmpty ? 0
                    : cmsgHeaderSize + align(pendingDescriptors.count * MemoryLayout<Int32>.size)
                var controlBuffer = [UInt8](repeating: 0, count: control)
                return withUnsafeMutablePointer(to: &iov) { iovPtr in
                    controlBuffer.withUnsafeMutableBytes { cbuf in
                        msg.msg_iov = iovPtr
                        msg.msg_iovlen = 1
                        if control > 0 {
                            let header = cbuf.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                            header.pointee.cmsg_len = cmsgHeaderSize + pendingDescriptors.count * MemoryLayout<Int32>.size
                            header.pointee.cmsg_level = SOL_SOCKET
                            header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                            let dataPtr = (cbuf.baseAddress! + cmsgHeaderSize).assumingMemoryBound(to: Int32.self)
                            for (i, d) in pendingDescriptors.enumerated() { dataPtr[i] = d }
                            msg.msg_control = cbuf.baseAddress
                            msg.msg_controllen = control
                        }
                        return sendmsg(fd, &msg, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return written }
                if errno == EPIPE || errno == ECONNRESET { throw UnixSocketError.closed }
                throw UnixSocketError.system(call: "sendmsg", errno: errno)
            }
            pendingDescriptors = []
            written += n
        }
        return written
    }

    /// What one read returned.
    public enum ReadResult {
        case data(Data, descriptors: [Int32])
        /// The peer closed its end.
        case endOfStream
        /// Non-blocking socket with nothing to read.
        case wouldBlock
    }

    /// Reads up to `maxBytes`, collecting passed descriptors (received close-on-exec).
    public static func receive(_ fd: Int32, maxBytes: Int) throws -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let controlSize = cmsgHeaderSize + align(maxDescriptorsPerRead * MemoryLayout<Int32>.size)
        var control = [UInt8](repeating: 0, count: controlSize)
        while true {
            var descriptors: [Int32] = []
            let n: Int = buffer.withUnsafeMutableBytes { buf in
                control.withUnsafeMutableBytes { cbuf in
                    var iov = iovec(iov_base: buf.baseAddress, iov_len: maxBytes)
                    return withUnsafeMutablePointer(to: &iov) { iovPtr in
                        var msg = msghdr()
                        msg.msg_iov = iovPtr
                        msg.msg_iovlen = 1
                        msg.msg_control = cbuf.baseAddress
                        msg.msg_controllen = controlSize
                        let r = recvmsg(fd, &msg, Int32(MSG_CMSG_CLOEXEC))
                        if r >= 0 { descriptors = parseDescriptors(cbuf, length: Int(msg.msg_controllen)) }
                        return r
                    }
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
                if errno == ECONNRESET { return .endOfStream }
                throw UnixSocketError.system(call: "recvmsg", errno: errno)
            }
            if n == 0 {
                descriptors.forEach { close($0) }
                return .endOfStream
            }
            return .data(Data(buffer[0..<n]), descriptors: descriptors)
        }
    }

    /// Walks the control messages and returns every SCM_RIGHTS descriptor.
    static func parseDescriptors(_ control: UnsafeMutableRawBufferPointer, length: Int) -> [Int32] {
        var result: [Int32] = []
        var offset = 0
        while offset + cmsgHeaderSize <= length {
            let header = (control.baseAddress! + offset).assumingMemoryBound(to: cmsghdr.self).pointee
            let cmsgLength = Int(header.cmsg_len)
            guard cmsgLength >= cmsgHeaderSize, offset + cmsgLength <= length else { break }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) {
                let count = (cmsgLength - cmsgHeaderSize) / MemoryLayout<Int32>.size
                let data = (control.baseAddress! + offset + cmsgHeaderSize).assumingMemoryBound(to: Int32.self)
                for i in 0..<count { result.append(data[i]) }
            }
            offset += align(cmsgLength)
        }
        return result
    }

    /// Waits until `fd` is readable or `timeout` seconds pass; false on timeout.
    public static func waitReadable(_ fd: Int32, timeout: Double) -> Bool {
        guard timeout > 0 else { return false }
        // A failing poll is left for the read that follows, which reports it with its errno.
        return (try? Descriptor.wait(fd, events: Int16(POLLIN), timeout: timeout)) ?? true
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole reads and writes over file descriptors. EINTR is retried; EAGAIN on a non-blocking
/// descriptor waits with poll until it is ready again, so callers see a short count only at end
/// of file.
public enum Descriptor {
    /// Writes every byte of `bytes` to `fd`. `path` names the file in the error. With
    /// `noSignal` the descriptor must be a socket: the bytes go with `send(MSG_NOSIGNAL)`, so a
    /// peer that is gone costs EPIPE, never SIGPIPE.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String? = nil,
                                noSignal: Bool = false) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let base = bytes.baseAddress! + offset
            let n = noSignal ? send(fd, base, bytes.count - offset, Int32(MSG_NOSIGNAL)) : write(fd, base, bytes.count - offset)
            if n >= 0 {
                offset += n
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                try waitUntilReady(fd, events: Int16(POLLOUT), path: path)
                continue
            }
            throw SystemError(noSignal ? "send" : "write", path: path, errno: code)
        }
    }

    /// Writes every byte of `data` to `fd` (see the buffer form).
    public static func writeAll(_ fd: Int32, _ data: Data, path: String? = nil, noSignal: Bool = false) throws(SystemError) {
        try withBytes(data) { (raw) throws(SystemError) in try writeAll(fd, raw, path: path, noSignal: noSignal) }
    }

    /// Writes every byte of `bytes` to `fd` (see the buffer form).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String? = nil, noSignal: Bool = false) throws(SystemError) {
        try withBytes(bytes) { (raw) throws(SystemError) in try writeAll(fd, raw, path: path, noSignal: noSignal) }
    }

    /// Reads from the descriptor's current offset to end of file, at most `limit` bytes (a
    /// longer stream stops there; the caller compares the count with its own limit).
    public static func readAll(_ fd: Int32, limit: Int = .max, path: String? = nil) throws(SystemError) -> Data {
        var result = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count < limit {
            let want = min(chunk.count, limit - result.count)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if n > 0 {
                result.append(contentsOf: chunk[0..<n])
                continue
            }
            if n == 0 { break }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                try waitUntilReady(fd, events: Int16(POLLIN), path: path)
                continue
            }
            throw SystemError("read", path: path, errno: code)
        }
        return result
    }

    /// Reads up to `size` bytes from offset 0 with pread, leaving the descriptor's own offset
    /// alone (a client's offset on a passed photo does not matter); fewer when the file is
    /// shorter.
    public static func readAll(_ fd: Int32, size: Int, path: String? = nil) throws(SystemError) -> Data {
        var data = Data(count: size)
        var failure: SystemError?
        let count = data.withUnsafeMutableBytes { raw -> Int in
            var offset = 0
            while offset < raw.count {
                let n = pread(fd, raw.baseAddress! + offset, raw.count - offset, off_t(offset))
                if n > 0 { offset += n; continue }
                if n == 0 { break }
                if errno == EINTR { continue }
                failure = SystemError("pread", path: path)
                break
            }
            return offset
        }
        if let failure { throw failure }
        return data.prefix(count)
    }

    /// Sets O_NONBLOCK and FD_CLOEXEC on `fd`.
    public static func makeNonBlocking(_ fd: Int32) throws(SystemError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SystemError("fcntl") }
        let fdFlags = fcntl(fd, F_GETFD)
        guard fdFlags >= 0, fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) == 0 else { throw SystemError("fcntl") }
    }

    /// Waits until `fd` reports `events` (or an error or hangup, which the next call then sees),
    /// or `timeout` seconds pass (nil: no limit). Returns false on timeout.
    @discardableResult
    public static func wait(_ fd: Int32, events: Int16, timeout: Double?) throws(SystemError) -> Bool {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, PollLoop.milliseconds(until: deadline))
            if rc > 0 { return true }
            if rc == 0 {
                if let deadline, Date() < deadline { continue }
                return false
            }
            if errno != EINTR { throw SystemError("poll") }
        }
    }

    private static func waitUntilReady(_ fd: Int32, events: Int16, path: String?) throws(SystemError) {
        do { try wait(fd, events: events, timeout: nil) } catch {
            throw SystemError(error.call, path: path, errno: error.errno)
        }
    }

    private static func withBytes(_ data: some ContiguousBytes,
                                  _ body: (UnsafeRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) {
        var failure: SystemError?
        data.withUnsafeBytes { raw in
            do throws(SystemError) { try body(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

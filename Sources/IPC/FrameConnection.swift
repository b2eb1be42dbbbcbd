import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking client connection that exchanges whole frames. Used by `assist` and the tests.
public final class FrameConnection {
    public let fd: Int32
    private var decoder: FrameDecoder
    private var nextID: UInt64 = 1

    /// Connects to `path`; throws `UnixSocketError.notListening` / `.permissionDenied`.
    public init(path: String, limits: FrameLimits = FrameLimits(maxJSONBytes: 16 * 1024 * 1024)) throws {
        fd = try UnixSocket.connect(path: path)
        decoder = FrameDecoder(limits: limits)
    }

    deinit { close(fd) }

    /// Sends a request, optionally with a photo descriptor or inline bytes; returns its id.
    @discardableResult
    public func send(_ body: RequestBody, attachment: Data = Data(), descriptor: Int32? = nil) throws -> UInt64 {
        let id = nextID
        nextID += 1
        let frame = Wire.frame(Request(id: id, body), attachment: attachment)
        try UnixSocket.send(fd, frame.encoded(), descriptors: descriptor.map { [$0] } ?? [])
        return id
    }

    /// Reads the next frame; throws `.closed` at end of stream and `.timedOut` after `timeout`.
    public func receive(timeout: Double) throws -> Response {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let frame = try decoder.next() { return try Wire.decodeResponse(frame) }
            guard UnixSocket.waitReadable(fd, timeout: deadline.timeIntervalSinceNow) else {
                throw UnixSocketError.timedOut(seconds: timeout)
            }
            switch try UnixSocket.receive(fd, maxBytes: 64 * 1024) {
            case .data(let d, let fds):
                fds.forEach { close($0) }
                decoder.append(d)
            case .endOfStream:
                throw UnixSocketError.closed
            case .wouldBlock:
                continue
            }
        }
    }

    /// Sends a request and returns the response that carries its id.
    public func call(_ body: RequestBody, attachment: Data = Data(), descriptor: Int32? = nil,
                     timeout: Double) throws -> Response {
        let id: UInt64
        do { id = try send(body, attachment: attachment, descriptor: descriptor) } catch UnixSocketError.closed {
            // The daemon may have refused the connection (busy, forbidden) and closed it before
            // the request went out; its one error frame is still waiting to be read.
            return try receive(timeout: timeout)
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = try receive(timeout: max(0.001, deadline.timeIntervalSinceNow))
            if r.id == id || r.id == 0 { return r }
        }
    }
}

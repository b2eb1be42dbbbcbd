import Foundation
import Glibc
import IPC

/// Frame-level helpers for tests that talk to the socket without the `assist` client.
enum RawClient {
    static func errorCode(_ r: Response) -> ErrorCode? {
        if case .failure(let e) = r.body { return e.code }
        return nil
    }

    /// Reads frames until the daemon closes the connection or `timeout` passes; returns the first
    /// response and whether the connection was closed.
    static func readUntilClosed(_ fd: Int32, timeout: Double) throws -> (first: Response?, closed: Bool) {
        var decoder = FrameDecoder()
        var first: Response?
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard UnixSocket.waitReadable(fd, timeout: deadline.timeIntervalSinceNow) else { break }
            switch try UnixSocket.receive(fd, maxBytes: 65536) {
            case .endOfStream: return (first, true)
            case .wouldBlock: continue
            case .data(let d, _):
                decoder.append(d)
                while let f = try decoder.next() { if first == nil { first = try Wire.decodeResponse(f) } }
            }
        }
        return (first, false)
    }
}

import XCTest
import Glibc
import IPC

/// Many and misbehaving clients on the real socket: answers stay bounded (`busy`), the daemon's
/// memory and descriptors stay bounded, and it keeps serving.
final class SocketLoadTests: XCTestCase {
    /// 1,000 connections with every slot taken: each extra one gets a `busy` frame and is closed.
    func testThousandConnectionsGetBusyAndTheDaemonStaysBounded() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "log_level": "info"])
        try h.start()
        let pid = h.process!.processIdentifier
        XCTAssertEqual(try h.client(["status"]).status, 0)
        let rssBefore = try XCTUnwrap(FaultSupport.rssKiB(pid))
        let fdsBefore = FaultSupport.openFiles(pid).count

        // The 8 slots (max_connections) are held by clients that were served.
        var held: [FrameConnection] = []
        for _ in 0..<8 {
            let c = try FrameConnection(path: h.socket)
            guard case .status = try c.call(.status, timeout: 10).body else { return XCTFail("a slot was not served") }
            held.append(c)
        }
        var busy = 0, other: [String] = []
        let batch = 124
        for _ in 0..<8 {
            // A batch at once, then every answer: 124 descriptors open in the test at a time.
            var fds: [Int32] = []
            defer { fds.forEach { close($0) } }
            for _ in 0..<batch { fds.append(try UnixSocket.connect(path: h.socket)) }
            for fd in fds {
                let c = try RawClient.readUntilClosed(fd, timeout: 10)
                if c.closed, c.first.flatMap(RawClient.errorCode) == .busy { busy += 1 } else { other.append("\(String(describing: c.first)) closed=\(c.closed)") }
            }
        }
        XCTAssertEqual(busy, 8 * batch, "not every extra connection was answered busy and closed: \(other.prefix(3))")
        XCTAssertTrue(h.process?.isRunning ?? false)
        let rssAfter = try XCTUnwrap(FaultSupport.rssKiB(pid))
        let fdsAfter = FaultSupport.openFiles(pid).count
        print("1,000 connections: VmRSS \(rssBefore) -> \(rssAfter) KiB, descriptors \(fdsBefore) -> \(fdsAfter) (8 held)")
        XCTAssertLessThan(rssAfter - rssBefore, 16 * 1024, "VmRSS grew from \(rssBefore) to \(rssAfter) KiB")
        XCTAssertLessThanOrEqual(fdsAfter, fdsBefore + 8 + 2, "descriptors leaked: \(fdsBefore) -> \(fdsAfter)")
        // The held clients are still served, and once they leave a new client is.
        for c in held {
            guard case .status = try c.call(.status, timeout: 10).body else { return XCTFail("a held client lost its service") }
        }
        held.removeAll()
        XCTAssertTrue(h.wait(timeout: 10) { (try? h.client(["status"]).status) == 0 }, "no slot came free")
        XCTAssertTrue(h.wait(timeout: 10) { FaultSupport.openFiles(pid).count <= fdsBefore + 2 }, "descriptors not released")
    }

    /// A client that pipelines requests as fast as it can and never reads a reply: the daemon
    /// must stop reading from it (backpressure) or drop it, not buffer replies without bound.
    func testClientThatNeverReadsCannotGrowTheDaemon() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "log_level": "info"])
        try h.start()
        let pid = h.process!.processIdentifier
        let rssBefore = try XCTUnwrap(FaultSupport.rssKiB(pid))
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        // Many small requests per write: each `status` reply is many times the request's size.
        var one = Data()
        for i in 0..<64 { one += Wire.frame(Request(id: UInt64(i + 1), .status)).encoded() }
        var sent = 0, peak = rssBefore
        var lastProgress = Date()
        let deadline = Date().addingTimeInterval(8)
        var offset = 0
        // Bounded by time (8 s) and by volume (200 MiB of requests).
        while Date() < deadline, sent < 200 * 1024 * 1024, h.process?.isRunning ?? false {
            let n = one.withUnsafeBytes { send(fd, $0.baseAddress! + offset, one.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
                offset = (offset + n) % one.count
                lastProgress = Date()
            } else if n < 0, errno == EAGAIN {
                // The daemon stopped reading: that is the bound. Wait a little for it to resume.
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 100)
                if Date().timeIntervalSince(lastProgress) > 2 { break }
            } else {
                break  // dropped by the daemon: also a bound
            }
            peak = max(peak, FaultSupport.rssKiB(pid) ?? 0)
        }
        peak = max(peak, FaultSupport.rssKiB(pid) ?? 0)
        print("non-reading client: sent \(sent / 1024) KiB of requests; daemon VmRSS \(rssBefore) -> peak \(peak) KiB")
        XCTAssertTrue(h.process?.isRunning ?? false, h.currentLog)
        XCTAssertLessThan(peak - rssBefore, 16 * 1024, "VmRSS grew by \((peak - rssBefore) / 1024) MiB for a client that never reads")
        XCTAssertEqual(try h.client(["status"]).status, 0, "other clients are not served")
    }

    /// A client that asks for many replies, reads one and vanishes: the daemon's write fails
    /// (EPIPE, no SIGPIPE with MSG_NOSIGNAL), it drops that client and serves the next.
    func testClientThatVanishesMidReplyHarmsNothing() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "log_level": "info"])
        try h.start()
        let pid = h.process!.processIdentifier
        let events = try h.events()
        for round in 0..<20 {
            let fd = try UnixSocket.connect(path: h.socket)
            var many = Data()
            for i in 0..<2000 { many += Wire.frame(Request(id: UInt64(i + 1), .status)).encoded() }
            try UnixSocket.send(fd, many)
            // Wait for the first bytes of the replies, then go away with the rest unread.
            XCTAssertTrue(UnixSocket.waitReadable(fd, timeout: 10), "round \(round): no reply")
            var b = [UInt8](repeating: 0, count: 100)
            XCTAssertGreaterThan(read(fd, &b, 100), 0)
            close(fd)
        }
        XCTAssertNotNil(events.next(.connectionClosed, timeout: 10) { $0.error == "client went away" },
                        "no write ever failed, so the test proved nothing:\n\(h.currentLog)")
        XCTAssertEqual(h.process?.processIdentifier, pid)
        XCTAssertTrue(h.process?.isRunning ?? false, h.currentLog)
        XCTAssertEqual(try h.client(["status"]).status, 0)
    }

    /// The loop sleeps until the next deadline instead of ticking, so the deadlines themselves
    /// must still fire: an idle connection is closed after `idle_timeout`, and a client that
    /// stops reading while replies are owed is dropped after `client_timeout`.
    func testIdleAndStalledClientsAreClosedOnTime() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "log_level": "info",
                                           "idle_timeout": "1", "client_timeout": "1"])
        try h.start()
        let events = try h.events()
        let idle = try FrameConnection(path: h.socket)
        guard case .status = try idle.call(.status, timeout: 10).body else { return XCTFail("not served") }
        let started = Date()
        XCTAssertThrowsError(try idle.receive(timeout: 10), "the idle connection was not closed") { error in
            XCTAssertEqual(error as? UnixSocketError, .closed)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "closed, but long after idle_timeout")
        XCTAssertNotNil(events.next(.connectionClosed, timeout: 5) { $0.error == "idle" }, h.currentLog)

        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var many = Data()
        for i in 0..<512 { many += Wire.frame(Request(id: UInt64(i + 1), .status)).encoded() }
        // Keep sending (never reading) until the daemon has stopped reading or dropped us.
        let deadline = Date().addingTimeInterval(20)
        let stalled: @Sendable (Event) -> Bool = { $0.error == "client stopped reading replies" }
        while Date() < deadline, events.next(.connectionClosed, timeout: 0, where: stalled) == nil {
            _ = many.withUnsafeBytes { send(fd, $0.baseAddress!, many.count, Int32(MSG_NOSIGNAL)) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, 100)
        }
        XCTAssertFalse(events.all(.connectionClosed).filter(stalled).isEmpty, "a client that never reads was never dropped:\n\(h.currentLog)")
        XCTAssertEqual(try h.client(["status"]).status, 0)
    }
}

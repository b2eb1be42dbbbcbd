import XCTest
import Glibc
import IPC

/// The socket end to end: permissions, peer checks, hostile and broken clients.
final class SocketTests: XCTestCase {
    func testSocketDirectoryAndSocketArePrivate() throws {
        let h = try DaemonHarness()
        try h.start()
        var st = stat()
        XCTAssertEqual(stat(h.runtime + "/assist", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        XCTAssertEqual(stat(h.socket, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    /// Another uid, with no way into the private directory: refused, in one plain sentence.
    func testOtherUidIsRefused() throws {
        let h = try DaemonHarness()
        try h.start()
        let r = try h.client(["status"], prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        XCTAssertEqual(r.status, 4, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("not allowed"), r.stderr)
    }

    /// A uid that can reach the socket through a supplementary group but is not in the configured
    /// group by its own user record: the filesystem lets it connect, SO_PEERCRED refuses it.
    /// The same uid with the configured group as its primary gid is let in.
    func testPeerCredentialsAreCheckedOnAccept() throws {
        let h = try DaemonHarness(config: ["socket_group": "4242"], rootMode: 0o711)
        try h.start()
        var st = stat()
        XCTAssertEqual(stat(h.runtime + "/assist", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o750)
        XCTAssertEqual(st.st_gid, 4242)
        let refused = try h.client(["status"], prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--groups=4242"])
        XCTAssertEqual(refused.status, 4, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("refused"), refused.stderr)
        let refusedJSON = try h.client(["--json", "status"], prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--groups=4242"])
        XCTAssertTrue(refusedJSON.stdout.contains(#""code":"forbidden""#), refusedJSON.stdout + refusedJSON.stderr)
        let allowed = try h.client(["status"], prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=4242", "--clear-groups"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
    }

    func testOversizedFrameIsRefusedAndTheDaemonStaysUp() throws {
        let h = try DaemonHarness()
        try h.start()
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        // Announces a 100 MB JSON part; the daemon must refuse from the header alone.
        try UnixSocket.send(fd, Data([0x06, 0x00, 0x00, 0x00, 0, 0, 0, 0]) + Data(repeating: 0x20, count: 4096))
        let reply = try RawClient.readUntilClosed(fd, timeout: 10)
        XCTAssertEqual(reply.first.flatMap(RawClient.errorCode), .frameTooLarge)
        XCTAssertTrue(reply.closed, "connection left open after an oversized frame")
        XCTAssertEqual(try h.client(["status"]).status, 0)
    }

    func testHalfSentFrameTimesOutWithoutBlockingOthers() throws {
        let h = try DaemonHarness(config: ["client_timeout": "1"])
        try h.start()
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        let whole = Wire.frame(Request(id: 1, .status)).encoded()
        try UnixSocket.send(fd, whole.prefix(whole.count / 2))
        let other = try h.client(["status"])
        XCTAssertEqual(other.status, 0, "a half-sent frame blocked another client: \(other.stderr)")
        let started = Date()
        let reply = try RawClient.readUntilClosed(fd, timeout: 10)
        XCTAssertEqual(reply.first.flatMap(RawClient.errorCode), .timeout)
        XCTAssertTrue(reply.closed)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testMalformedRequestsGetStructuredErrorsAndTheConnectionStaysUsable() throws {
        let h = try DaemonHarness()
        try h.start()
        let c = try FrameConnection(path: h.socket)
        try UnixSocket.send(c.fd, Frame(json: Data("{not json".utf8)).encoded())
        XCTAssertEqual(RawClient.errorCode(try c.receive(timeout: 10)), .badRequest)
        try UnixSocket.send(c.fd, Frame(json: Data(#"{"v":3,"id":5,"type":"status"}"#.utf8)).encoded())
        let wrongVersion = try c.receive(timeout: 10)
        XCTAssertEqual(wrongVersion.id, 5)
        XCTAssertEqual(RawClient.errorCode(wrongVersion), .unsupportedVersion)
        // A client of protocol 1 (before snake_case responses) is told so, not misread.
        try UnixSocket.send(c.fd, Frame(json: Data(#"{"v":1,"id":7,"type":"status"}"#.utf8)).encoded())
        let v1 = try c.receive(timeout: 10)
        XCTAssertEqual(v1.id, 7)
        XCTAssertEqual(RawClient.errorCode(v1), .unsupportedVersion)
        if case .failure(let e) = v1.body { XCTAssertTrue(e.message.contains("version 1"), e.message) }
        try UnixSocket.send(c.fd, Frame(json: Data(#"{"v":2,"id":6,"type":"launch"}"#.utf8)).encoded())
        XCTAssertEqual(RawClient.errorCode(try c.receive(timeout: 10)), .badRequest)
        guard case .status = try c.call(.status, timeout: 10).body else { return XCTFail("status failed after bad requests") }
    }

    func testDescriptorThatIsNotARegularFileIsRejected() throws {
        let h = try DaemonHarness()
        try h.start()
        let c = try FrameConnection(path: h.socket)
        var p: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&p), 0)
        defer { close(p[0]); close(p[1]) }
        let r = try c.call(.caption(CaptionRequest(photo: .descriptor, name: "fifo")), descriptor: p[0], timeout: 10)
        // With no model the daemon may refuse earlier; either way it must not read the pipe.
        XCTAssertTrue([.photoInvalid, .noModel].contains(RawClient.errorCode(r)), "\(r)")
        if RawClient.errorCode(r) == .photoInvalid, case .failure(let e) = r.body { XCTAssertTrue(e.message.contains("not a regular file")) }
        let missing = try c.call(.caption(CaptionRequest(photo: .descriptor, name: "none")), timeout: 10)
        XCTAssertEqual(RawClient.errorCode(missing), .photoInvalid)
    }

    func testVanishedClientsHarmNothing() throws {
        let h = try DaemonHarness()
        try h.start()
        for _ in 0..<50 {
            let fd = try UnixSocket.connect(path: h.socket)
            try UnixSocket.send(fd, Wire.frame(Request(id: 1, .caption(CaptionRequest(photo: .bytes, speak: false))),
                                               attachment: BadPhotos.truncatedJPEG).encoded())
            try UnixSocket.send(fd, Wire.frame(Request(id: 2, .history(limit: 1000))).encoded())
            close(fd)
        }
        XCTAssertEqual(try h.client(["status"]).status, 0)
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    func testConnectionCapAnswersBusy() throws {
        let h = try DaemonHarness(config: ["max_connections": "2"])
        try h.start()
        let a = try FrameConnection(path: h.socket)
        let b = try FrameConnection(path: h.socket)
        guard case .status = try a.call(.status, timeout: 10).body, case .status = try b.call(.status, timeout: 10).body else {
            return XCTFail("first two connections not served")
        }
        let third = try h.client(["status"])
        XCTAssertEqual(third.status, 5, third.stderr)
        withExtendedLifetime((a, b)) {}
    }

    func testStaleSocketIsReplacedAndALiveOneIsNot() throws {
        let h = try DaemonHarness()
        try FileManager.default.createDirectory(atPath: h.runtime + "/assist", withIntermediateDirectories: true)
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var (addr, len) = try UnixSocket.address(h.socket)
        XCTAssertEqual(withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }, 0)
        close(s)
        try h.start()
        XCTAssertTrue(h.currentLog.contains("removing stale socket"), h.currentLog)
        XCTAssertEqual(try h.client(["status"]).status, 0)
        let first = h.process!
        // Its own state directory, so that the socket check (not the state directory's instance
        // lock, InstanceLockTests) is what refuses it.
        try h.start(["--state-dir", h.root + "/state-second"], waitReady: false)
        XCTAssertTrue(h.wait(timeout: 20) { !(h.process!.isRunning) })
        XCTAssertEqual(h.process!.terminationStatus, 1)
        XCTAssertTrue(h.currentLog.contains("already listening"), h.currentLog)
        XCTAssertTrue(first.isRunning)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
    }

    func testEventsStreamReportsPhotos() throws {
        let h = try DaemonHarness()
        try h.start()
        let listener = try FrameConnection(path: h.socket)
        guard case .subscribed = try listener.call(.events, timeout: 10).body else { return XCTFail("not subscribed") }
        _ = try h.drop("seen.jpg", BadPhotos.truncatedJPEG)
        // The photo's own events; the stream also carries speech, model and folder events.
        let photoKinds: [EventKind] = [.photoQueued, .photoReceived, .photoClaimed, .captioned, .failed]
        var kinds: [EventKind] = []
        while !kinds.contains(.failed) && !kinds.contains(.captioned) {
            guard case .event(let e) = try listener.receive(timeout: 20).body, photoKinds.contains(e.kind) else { continue }
            XCTAssertEqual(e.photo, "seen.jpg")
            kinds.append(e.kind)
        }
        XCTAssertEqual(kinds, [.photoQueued, .photoReceived, .photoClaimed, .failed])
    }
}

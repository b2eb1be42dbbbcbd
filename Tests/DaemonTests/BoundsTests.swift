import Foundation
import IPC
import XCTest
import Glibc

/// Issue 11's low findings, on the built daemon: listeners capped apart from connections, the
/// `say` queue bounded, non-UTF-8 and control-character names, a passed FIFO.
final class BoundsTests: XCTestCase {
    static let textPhoto = DescribeTests.analysis.appendingPathComponent("text/soup-sans-32.jpg").path

    /// Eight `events` listeners used to take all eight connection slots forever. Listeners are
    /// now counted apart (`max_listeners`, 8): a ninth is refused with an error naming the
    /// limit, and requests are still served beside the eight.
    func testNinthListenerIsRefusedAndRequestsAreStillServed() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        var listeners: [EventStream] = []
        for _ in 0..<8 { listeners.append(try h.events()) }
        let ninth = try FrameConnection(path: h.socket)
        let refused = try ninth.call(.events, timeout: 10)
        guard case .failure(let e) = refused.body else { return XCTFail("a ninth listener was taken: \(refused.body)") }
        XCTAssertEqual(e.code, .busy)
        XCTAssertTrue(e.message.contains("8 event listeners") && e.message.contains("max_listeners"), e.message)
        // The refused connection itself still answers requests, and so do new ones.
        guard case .status = try ninth.call(.status, timeout: 10).body else { return XCTFail("status on the refused listener's connection") }
        for _ in 0..<3 {
            let r = try h.client(["status"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(listeners.count, 8)
    }

    /// `say` beyond `max_say_queue` waiting utterances is answered `busy`, naming the bound;
    /// every text that was accepted is spoken, so nothing is lost without the client knowing.
    func testSayBeyondTheSpeechQueueBoundIsBusyAndAcceptedTextIsSpoken() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel, "max_say_queue": "2"])
        try h.start()
        let events = try h.events()
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        var frames = Data()
        for i in 1...12 { frames += Wire.frame(Request(id: UInt64(i), .say(text: "Sentence number \(i) of a long list."))).encoded() }
        _ = try UnixSocket.send(fd, frames)
        var reader = ResponseReader(fd: fd)
        let answers = try reader.responses(for: Set((1...12).map { UInt64($0) }), timeout: 30)
        var accepted: [UInt64] = []
        var busy = 0
        for (_, r) in answers {
            switch r.body {
            case .said(let u): accepted.append(u)
            case .failure(let e):
                XCTAssertEqual(e.code, .busy)
                XCTAssertTrue(e.message.contains("max_say_queue"), e.message)
                busy += 1
            default: XCTFail("unexpected answer \(r.body)")
            }
        }
        XCTAssertGreaterThan(busy, 0, "twelve says at once with max_say_queue = 2 were all queued")
        XCTAssertEqual(busy + accepted.count, 12)
        for u in accepted {
            XCTAssertNotNil(events.any(.spoken, timeout: 60) { $0.utterance == u }, "accepted utterance \(u) was never spoken")
        }
    }

    /// A photo whose name is not valid UTF-8 (Latin-1 `caf\xE9.jpg`) used to be decoded lossily
    /// and never found again, silently. It is now described and recorded, and `history` shows
    /// the byte escaped.
    func testPhotoWithANonUTF8NameIsDescribed() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let events = try h.events()
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.textPhoto))
        var path = Array((h.inbox + "/caf").utf8).map { CChar(bitPattern: $0) }
        path += [CChar(bitPattern: 0xE9)] + Array(".jpg".utf8).map { CChar(bitPattern: $0) } + [0]
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0, String(cString: strerror(errno)))
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let captioned = events.any(.captioned, timeout: 30)
        XCTAssertEqual(captioned?.photo, "caf\\xE9.jpg", "log:\n\(h.currentLog)")
        XCTAssertTrue(captioned?.text?.contains("Tomato soup") ?? false, String(describing: captioned))
        let r = try h.client(["history"])
        XCTAssertTrue(r.stdout.contains("caf\\xE9.jpg: It says: Tomato soup"), r.stdout)
        XCTAssertEqual(h.journal().filter { $0.state == "done" }.count, 1)
    }

    /// Control characters in a photo's name (ESC, CR) reached the terminal raw through
    /// `assist history` and `assist events`; both print them escaped.
    func testHistoryAndEventsEscapeControlCharactersInNames() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let events = try h.events()
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: DaemonHarness.assist)
        follower.arguments = ["--socket", h.socket, "events"]
        follower.environment = h.environment
        let out = Pipe()
        follower.standardOutput = out
        try follower.run()
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        // The client is subscribed once it prints the event of a `say`; until then, say again.
        var printed = Data()
        func read(until needle: String, timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while !String(decoding: printed, as: UTF8.self).contains(needle) {
                guard UnixSocket.waitReadable(out.fileHandleForReading.fileDescriptor, timeout: max(0, deadline.timeIntervalSinceNow)) else { return false }
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { return false }
                printed += chunk
            }
            return true
        }
        var subscribed = false
        for _ in 0..<40 where !subscribed {
            XCTAssertEqual(try h.client(["say", "listening"]).status, 0)
            subscribed = read(until: "speech_queued", timeout: 0.5)
        }
        XCTAssertTrue(subscribed, "assist events printed nothing")
        let name = "a\u{1B}[2Jb\rc.jpg"
        _ = try h.drop(name, try Data(contentsOf: URL(fileURLWithPath: Self.textPhoto)))
        XCTAssertNotNil(events.any(.captioned, timeout: 30) { $0.photo == name }, h.currentLog)
        let history = try h.client(["history"])
        XCTAssertFalse(history.stdout.contains("\u{1B}") || history.stdout.contains("\r"), history.stdout.debugDescription)
        XCTAssertTrue(history.stdout.contains("a\\x1B[2Jb\\rc.jpg: It says"), history.stdout.debugDescription)
        // `assist events` printed the same photo's events; read them until the captioned line.
        XCTAssertTrue(read(until: "captioned a", timeout: 20), String(decoding: printed, as: UTF8.self))
        let text = String(decoding: printed, as: UTF8.self)
        XCTAssertTrue(text.contains("captioned a\\x1B[2Jb\\rc.jpg: It says"), text.debugDescription)
        XCTAssertFalse(text.contains("\u{1B}") || text.contains("\r"), text.debugDescription)
    }

    /// A passed FIFO (nobody writes it) is refused as not a regular file, and a second client's
    /// `status` is answered meanwhile; the daemon never reads a descriptor on its poll thread.
    func testPassedFIFOIsRefusedAndOtherClientsAreServed() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let fifo = h.root + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let first = try FrameConnection(path: h.socket)
        let id = try first.send(.caption(CaptionRequest(photo: .descriptor, name: "fifo", speak: false)), descriptor: fd)
        let other = try FrameConnection(path: h.socket)
        guard case .status = try other.call(.status, timeout: 10).body else { return XCTFail("status was not answered") }
        let answer = try first.receive(timeout: 30)
        XCTAssertEqual(answer.id, id)
        guard case .failure(let e) = answer.body else { return XCTFail("a FIFO was described: \(answer.body)") }
        XCTAssertEqual(e.code, .photoInvalid)
        XCTAssertTrue(e.message.contains("not a regular file"), e.message)
    }

    /// Issue 11 finding 5: a passed descriptor to a file whose read stalls (FUSE, NFS) was read
    /// on the socket's poll thread, so every client waited with it. The worker reads it now:
    /// while its read is stuck, another client's `status` is answered; once the file system
    /// gives up, the request is answered with the error.
    func testStalledFileReadDoesNotBlockOtherClients() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let fuse = try StallingFuse(mountPoint: h.root + "/fuse")
        var closed = false
        defer { if !closed { fuse.close() } }
        let fd = open(fuse.file, O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0, String(cString: strerror(errno)))
        let first = try FrameConnection(path: h.socket)
        let id = try first.send(.caption(CaptionRequest(photo: .descriptor, name: "stalled.jpg", speak: false)), descriptor: fd)
        close(fd)
        XCTAssertEqual(fuse.readArrived.wait(timeout: .now() + 20), .success, "the daemon never read the file")
        let other = try FrameConnection(path: h.socket)
        let status = try? other.call(.status, timeout: 10)
        guard case .status = status?.body else { return XCTFail("status was not answered while a passed file's read stalled") }
        fuse.close()
        closed = true
        let answer = try first.receive(timeout: 30)
        XCTAssertEqual(answer.id, id)
        guard case .failure(let e) = answer.body else { return XCTFail("the stalled file was described: \(answer.body)") }
        XCTAssertEqual(e.code, .photoInvalid, e.message)
        XCTAssertTrue(h.process?.isRunning ?? false)
    }
}

import Foundation
import IPC
import XCTest
import Glibc

/// A descriptor belongs to the frame that asks for one (a `caption` with photo = "descriptor"),
/// in order, however the kernel groups pipelined frames into reads. Each test puts several frames
/// and their descriptors into one sendmsg, so the daemon surely reads them together.
final class PipelinedDescriptorTests: XCTestCase {
    static let textPhoto = DescribeTests.analysis.appendingPathComponent("text/soup-sans-32.jpg").path
    static let plainPhoto = DescribeTests.analysis.appendingPathComponent("notext/plain-wall.jpg").path

    /// `status` then a descriptor `caption` in one sendmsg carrying the descriptor, 40 times on one
    /// connection: status answers with the status, and caption describes the photo.
    func testStatusThenDescriptorCaptionInOneSendBothAnswer() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        var reader = ResponseReader(fd: fd)
        for round in 0..<40 {
            let photo = open(Self.textPhoto, O_RDONLY | O_CLOEXEC)
            XCTAssertGreaterThanOrEqual(photo, 0)
            let statusID = UInt64(2 * round + 1), captionID = UInt64(2 * round + 2)
            var bytes = Wire.frame(Request(id: statusID, .status)).encoded()
            bytes += Wire.frame(Request(id: captionID, .caption(CaptionRequest(photo: .descriptor, name: "r\(round).jpg", speak: false)))).encoded()
            _ = try UnixSocket.send(fd, bytes, descriptors: [photo])
            close(photo)
            let answers = try reader.responses(for: [statusID, captionID], timeout: 60)
            guard case .status = answers[statusID]?.body else {
                return XCTFail("round \(round): status answered \(String(describing: answers[statusID]?.body))")
            }
            guard case .caption(let c) = answers[captionID]?.body else {
                return XCTFail("round \(round): caption answered \(String(describing: answers[captionID]?.body)); log:\n\(h.currentLog)")
            }
            XCTAssertTrue(c.text.hasPrefix("It says: Tomato soup"), "round \(round): \(c.text)")
        }
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    /// Two descriptor captions and two descriptors in one sendmsg: the first caption reads the
    /// first descriptor and the second the second.
    func testTwoDescriptorCaptionsInOneSendTakeTheirDescriptorsInOrder() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        var reader = ResponseReader(fd: fd)
        let text = open(Self.textPhoto, O_RDONLY | O_CLOEXEC), plain = open(Self.plainPhoto, O_RDONLY | O_CLOEXEC)
        defer { close(text); close(plain) }
        var bytes = Wire.frame(Request(id: 1, .caption(CaptionRequest(photo: .descriptor, name: "text.jpg", speak: false)))).encoded()
        bytes += Wire.frame(Request(id: 2, .status)).encoded()
        bytes += Wire.frame(Request(id: 3, .caption(CaptionRequest(photo: .descriptor, name: "plain.jpg", speak: false)))).encoded()
        _ = try UnixSocket.send(fd, bytes, descriptors: [text, plain])
        let answers = try reader.responses(for: [1, 2, 3], timeout: 60)
        guard case .caption(let first) = answers[1]?.body, case .status = answers[2]?.body,
              case .caption(let second) = answers[3]?.body else {
            return XCTFail("answers: \(answers.mapValues(\.body)); log:\n\(h.currentLog)")
        }
        XCTAssertTrue(first.text.hasPrefix("It says: Tomato soup"), first.text)
        XCTAssertEqual(first.description.text?.lines.isEmpty, false)
        XCTAssertEqual(second.description.text?.lines.isEmpty, true, second.text)
    }

    /// A descriptor sent with a `status` frame is closed unread once that frame is answered: a
    /// later descriptor caption without its own descriptor is refused, not given the stray one.
    func testDescriptorSentWithStatusIsNotGivenToALaterCaption() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let fd = try UnixSocket.connect(path: h.socket)
        defer { close(fd) }
        var reader = ResponseReader(fd: fd)
        let photo = open(Self.textPhoto, O_RDONLY | O_CLOEXEC)
        defer { close(photo) }
        _ = try UnixSocket.send(fd, Wire.frame(Request(id: 1, .status)).encoded(), descriptors: [photo])
        guard case .status = try reader.responses(for: [1], timeout: 20)[1]?.body else { return XCTFail("no status") }
        _ = try UnixSocket.send(fd, Wire.frame(Request(id: 2, .caption(CaptionRequest(photo: .descriptor, speak: false)))).encoded())
        let r = try XCTUnwrap(reader.responses(for: [2], timeout: 20)[2])
        XCTAssertEqual(RawClient.errorCode(r), .photoInvalid, "\(r.body)")
    }
}

/// Reads response frames from a raw connection and keeps them by request id (the daemon may
/// answer pipelined requests out of order: `status` at once, `caption` when the worker is done).
struct ResponseReader {
    let fd: Int32
    private var decoder = FrameDecoder(limits: FrameLimits(maxJSONBytes: 16 * 1024 * 1024))
    private var early: [UInt64: Response] = [:]

    init(fd: Int32) { self.fd = fd }

    /// Waits until each of `ids` has been answered; throws on end of stream or timeout.
    mutating func responses(for ids: Set<UInt64>, timeout: Double) throws -> [UInt64: Response] {
        let deadline = Date().addingTimeInterval(timeout)
        var found: [UInt64: Response] = [:]
        for id in ids { if let r = early.removeValue(forKey: id) { found[id] = r } }
        while found.count < ids.count {
            if let frame = try decoder.next() {
                let r = try Wire.decodeResponse(frame)
                if ids.contains(r.id) { found[r.id] = r } else { early[r.id] = r }
                continue
            }
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
        return found
    }
}

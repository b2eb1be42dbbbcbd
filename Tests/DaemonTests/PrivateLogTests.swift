import Foundation
import IPC
import XCTest
import Glibc

/// People read their mail, bank letters and prescriptions with assist, and info-level logs go to
/// journald: at `log_level = info` no log line holds a caption, text read from a photo, or the
/// message spoken.
final class PrivateLogTests: XCTestCase {
    /// A watched photo and a client's photo, both with text, described with the fixture model and
    /// spoken; the log, read once the daemon has exited, names neither their caption nor any line
    /// of their text nor the spoken message.
    func testNeedsEngine_InfoLogHoldsNoCaptionTextOrMessage() throws {
        guard let model = DaemonHarness.fixtureModel else {
            return XCTFail("needs the tiny fixture model (Tests/Fixtures/models/tiny-st) and the real CaptionEngine")
        }
        let h = try DaemonHarness(config: ["model": model, "log_level": "info"])
        try h.start()
        let fixture = try AnalysisFixture.text("text/soup-sans-32.jpg")
        let watched = try h.drop("letter.jpg", fixture.data)
        XCTAssertEqual(h.waitForResult(watched, timeout: 120)?.state, "done", h.currentLog)
        let fromFolder = try XCTUnwrap(DescribedRecord.latest(in: h, path: watched))

        let c = try FrameConnection(path: h.socket)
        let file = DescribeTests.analysis.appendingPathComponent(fixture.file).path
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let r = try c.call(.caption(CaptionRequest(photo: .descriptor, name: "bank.jpg", speak: true)), descriptor: fd, timeout: 120)
        guard case .caption(let result) = r.body else { return XCTFail("caption request answered \(r.body)") }
        XCTAssertTrue(result.spoken)
        let caption = try XCTUnwrap(result.description.caption?.text, "the fixture model captions the photo")
        let lines = result.description.text?.lines.map(\.text) ?? []
        XCTAssertEqual(lines, fixture.lines, "the text was read")
        // Both messages spoken (two WAVs), so every log line about them has been written.
        XCTAssertTrue(h.wait(timeout: 60) {
            ((try? FileManager.default.contentsOfDirectory(atPath: h.wav)) ?? []).filter { $0.hasSuffix(".wav") }.count >= 2
        }, h.currentLog)
        XCTAssertEqual(h.terminate(), 0)

        let log = h.currentLog
        XCTAssertTrue(log.contains("photo described"), "the description is still logged, without its content: \(log)")
        var secrets = [result.text, fromFolder.message] + lines
        if let folderCaption = (fromFolder.description["caption"] as? [String: Any])?["text"] as? String {
            secrets.append(folderCaption)
        }
        secrets.append(caption)
        for secret in Set(secrets) {
            let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertFalse(trimmed.isEmpty)
            XCTAssertFalse(log.contains(trimmed), "the info log holds \"\(trimmed)\":\n\(log)")
            XCTAssertFalse(log.contains(Self.logQuoted(trimmed)), "the info log holds \"\(trimmed)\" quoted:\n\(log)")
        }
    }

    /// The form Log.quote gives a value with a quote or backslash in it.
    private static func logQuoted(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

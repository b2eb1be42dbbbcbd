import XCTest
import Glibc

/// The folder watcher end to end: real assistd, real inotify, real journal.
final class WatcherTests: XCTestCase {
    func testSlowWriterGivesOneJobOnlyAfterClose() throws {
        let h = try DaemonHarness()
        try h.start()
        let path = h.inbox + "/slow.jpg"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let bytes = [UInt8](BadPhotos.truncatedJPEG)
        for b in bytes {
            var byte = b
            XCTAssertEqual(write(fd, &byte, 1), 1)
            // The writer is slow on purpose; nothing may be claimed while the file is open.
            usleep(50_000)
            XCTAssertTrue(h.journal().filter { $0.path == path }.isEmpty, "photo was taken before it was closed")
        }
        close(fd)
        let result = h.waitForResult(path)
        XCTAssertNotNil(result, "no job after close; log:\n\(h.currentLog)")
        XCTAssertNotNil(try h.dropSentinel())
        let records = h.journal().filter { $0.path == path }
        XCTAssertEqual(records.filter { $0.state == "claimed" }.count, 1, "claimed more than once")
        XCTAssertEqual(records.filter { $0.state != "claimed" }.count, 1, "recorded more than once")
    }

    func testTmpThenRenameGivesOneJobAndTheTmpIsIgnored() throws {
        let h = try DaemonHarness()
        try h.start()
        let tmp = h.inbox + "/x.tmp"
        try BadPhotos.truncatedJPEG.write(to: URL(fileURLWithPath: tmp))
        let final = h.inbox + "/x.jpg"
        XCTAssertEqual(rename(tmp, final), 0)
        XCTAssertNotNil(h.waitForResult(final), "renamed photo not processed; log:\n\(h.currentLog)")
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertEqual(h.results(for: final).count, 1)
        XCTAssertTrue(h.journal().allSatisfy { !$0.path.hasSuffix(".tmp") }, "a .tmp file was taken")
    }

    func testHiddenAndPartialNamesAreIgnored() throws {
        let h = try DaemonHarness()
        try h.start()
        for name in [".hidden.jpg", "a.jpg.part", "b.jpg~", "c.swp", "photo.jpg.txt"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: h.inbox + "/" + name))
        }
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertEqual(h.journal().map { ($0.path as NSString).lastPathComponent }.filter { $0 != "sentinel.jpg" }, [])
    }

    /// A corrupt JPEG and a text file: each is recorded as failed with an error that names it,
    /// and the daemon keeps answering.
    func testCorruptFileAndNonImageAreRecordedAndTheDaemonStaysUp() throws {
        let h = try DaemonHarness()
        try h.start()
        let events = try h.events()
        let corrupt = try h.drop("kitchen.jpg", BadPhotos.truncatedJPEG)
        let text = try h.drop("list.png", BadPhotos.notAnImage)
        for (path, name) in [(corrupt, "kitchen.jpg"), (text, "list.png")] {
            let r = h.waitForResult(path)
            XCTAssertEqual(r?.state, "failed", "log:\n\(h.currentLog)")
            XCTAssertTrue(r?.error?.contains(name) ?? false, "error does not name the photo: \(r?.error ?? "nil")")
            XCTAssertNotNil(events.next(.speechQueued, timeout: 10) { $0.utteranceKind == .error && ($0.text ?? "").contains(name) },
                            "error for \(name) was not queued for speech; log:\n\(h.currentLog)")
        }
        XCTAssertTrue(h.process?.isRunning ?? false)
        let status = try h.client(["status"])
        XCTAssertEqual(status.status, 0, status.stderr)
    }

    /// Needs the real Speaker (speech branch): the spoken error lands as a WAV with its text.
    func testNeedsSpeech_CorruptPhotoErrorIsSpokenToAWavFile() throws {
        let h = try DaemonHarness()
        try h.start()
        let corrupt = try h.drop("kitchen.jpg", BadPhotos.truncatedJPEG)
        XCTAssertNotNil(h.waitForResult(corrupt))
        let spoken = h.wait(timeout: 20) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: h.wav)) ?? []
            return names.filter { $0.hasSuffix(".txt") }.contains { n in
                ((try? String(contentsOfFile: h.wav + "/" + n, encoding: .utf8)) ?? "").contains("kitchen.jpg")
            }
        }
        XCTAssertTrue(spoken, "no WAV/.txt utterance naming kitchen.jpg in \(h.wav)")
    }

    func testPhotosThatArrivedWhileDownAreProcessedAtStart() throws {
        let h = try DaemonHarness()
        let a = try h.drop("a.jpg", BadPhotos.truncatedJPEG)
        let b = try h.drop("b.jpg", BadPhotos.notAnImage)
        try h.start()
        XCTAssertNotNil(h.waitForResult(a, timeout: 20), "log:\n\(h.currentLog)")
        XCTAssertNotNil(h.waitForResult(b, timeout: 20))
    }

    func testRecreatedFolderIsWatchedAgain() throws {
        let h = try DaemonHarness()
        try h.start()
        let events = try h.events()
        try FileManager.default.removeItem(atPath: h.inbox)
        XCTAssertNotNil(events.next(.folderLost, timeout: 10) { $0.folder == h.inbox }, h.currentLog)
        try FileManager.default.createDirectory(atPath: h.inbox, withIntermediateDirectories: false)
        XCTAssertNotNil(events.next(.folderBack, timeout: 10) { $0.folder == h.inbox }, h.currentLog)
        let p = try h.drop("after.jpg", BadPhotos.truncatedJPEG)
        XCTAssertNotNil(h.waitForResult(p), h.currentLog)
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    /// Needs the real engine and the fixture model: the alt text is the spoken message without
    /// the advice about retaking the photo, and it holds the caption.
    func testNeedsEngine_AltTextIsWrittenBesideACaptionedPhoto() throws {
        guard let model = DaemonHarness.fixtureModel else {
            return XCTFail("needs the tiny fixture model (Tests/Fixtures/models/tiny-st) and the real CaptionEngine")
        }
        let h = try DaemonHarness(config: ["alt_text": "true", "model": model])
        try h.start()
        let image = DaemonHarness.fixtures.appendingPathComponent("images")
        let first = try FileManager.default.contentsOfDirectory(atPath: image.path).sorted().first { $0.hasSuffix(".jpg") }!
        let p = try h.drop("photo.jpg", Data(contentsOf: image.appendingPathComponent(first)))
        let r = h.waitForResult(p, timeout: 120)
        XCTAssertEqual(r?.state, "done", h.currentLog)
        let entry = try XCTUnwrap(DescribedRecord.latest(in: h, path: p))
        var expected = entry.message
        if let warning = (entry.description["quality"] as? [String: Any])?["warning"] as? String {
            XCTAssertTrue(expected.hasPrefix(warning + " "))
            expected = String(expected.dropFirst(warning.count + 1))
        }
        let alt = try String(contentsOfFile: p + ".txt", encoding: .utf8)
        XCTAssertEqual(alt, expected + "\n")
        XCTAssertTrue(alt.contains((r?.caption ?? "\u{0}").trimmingCharacters(in: .whitespacesAndNewlines)), alt)
    }
}

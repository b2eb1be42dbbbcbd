import Foundation
import Glibc
import IPC
import XCTest

/// A captured photo that landed in `capture_dir` but was not described (the daemon was killed
/// in between) is described at the next start, once; with `keep_captures = false` it is then
/// deleted. A burst's leftover working directory is removed.
final class CaptureRecoveryTests: XCTestCase {
    private func plantCapture(_ h: DaemonHarness) throws -> (photo: String, leftover: String) {
        let captures = h.state + "/captures"
        try FileManager.default.createDirectory(atPath: captures + "/.capture-AbC123", withIntermediateDirectories: true)
        let photo = captures + "/capture-20261204-120000-000.jpg"
        try FileManager.default.copyItem(atPath: DaemonHarness.fixtures.appendingPathComponent("images/exif-1.jpg").path, toPath: photo)
        FileManager.default.createFile(atPath: captures + "/.capture-AbC123/frame-0.jpg", contents: Data([0xFF, 0xD8]))
        return (photo, captures + "/.capture-AbC123")
    }

    func testAnUndescribedCaptureIsDescribedAtStartThenDeleted() throws {
        let h = try DaemonHarness()
        let (photo, leftover) = try plantCapture(h)
        try h.start()
        let record = try XCTUnwrap(h.waitForResult(photo), "the planted capture was not described; log:\n\(h.currentLog)")
        XCTAssertEqual(record.state, "done")
        XCTAssertTrue(h.wait(timeout: 10) { !FileManager.default.fileExists(atPath: photo) }, "the described capture was kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover), "the burst's leftover directory was not removed")
        // A restart does not describe it again (it is gone, and its record stays).
        XCTAssertEqual(h.terminate(), 0)
        try h.start()
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertEqual(h.results(for: photo).count, 1)
        XCTAssertEqual(h.terminate(), 0)
    }

    func testKeptCapturesAreDescribedOnce() throws {
        let h = try DaemonHarness(config: ["keep_captures": "true"])
        let (photo, _) = try plantCapture(h)
        try h.start()
        XCTAssertNotNil(h.waitForResult(photo), "the planted capture was not described; log:\n\(h.currentLog)")
        XCTAssertEqual(h.terminate(), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: photo), "keep_captures = true deleted the photo")
        try h.start()
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertEqual(h.results(for: photo).count, 1, "a kept capture was described again at the next start")
        XCTAssertEqual(h.terminate(), 0)
    }
}

import Foundation
import XCTest
import Glibc

/// What the daemon writes beside a photo in the inbox, a folder other people (or programs) may
/// be able to write to: the alt text is written through a temporary file that nothing planted in
/// the inbox can redirect or block, and it is no more readable than the photo it describes.
final class PrivateFilesTests: XCTestCase {
    /// A symlink to a file outside the inbox and a FIFO, planted at the temporary names an
    /// earlier daemon used (`.<photo>.txt.<pid>.tmp`) and a symlink at the alt text's own name:
    /// the link's target is never written, the FIFO never blocks the worker, and each alt text
    /// has its photo's mode (0600 and 0640 here, not the umask's 0644).
    func testAltTextHasThePhotosModeAndPlantedFilesAreNeverFollowed() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel, "alt_text": "true"])
        try h.start()
        let pid = try XCTUnwrap(h.process?.processIdentifier)
        let victim = h.root + "/victim.txt"
        try "not yours\n".write(toFile: victim, atomically: false, encoding: .utf8)
        chmod(victim, 0o644)

        let secret = h.inbox + "/secret.jpg"
        let letter = h.inbox + "/letter.jpg"
        let linkAtTemporary = h.inbox + "/.secret.jpg.txt.\(pid).tmp"
        let fifoAtTemporary = h.inbox + "/.letter.jpg.txt.\(pid).tmp"
        XCTAssertEqual(symlink(victim, linkAtTemporary), 0, String(cString: strerror(errno)))
        XCTAssertEqual(mkfifo(fifoAtTemporary, 0o666), 0, String(cString: strerror(errno)))
        XCTAssertEqual(symlink(victim, letter + ".txt"), 0, String(cString: strerror(errno)))

        let fixture = try AnalysisFixture.text("text/soup-sans-32.jpg")
        try drop(fixture.data, at: secret, mode: 0o600, in: h)
        try drop(fixture.data, at: letter, mode: 0o640, in: h)
        XCTAssertEqual(h.waitForResult(secret, timeout: 60)?.state, "done", h.currentLog)
        XCTAssertEqual(h.waitForResult(letter, timeout: 60)?.state, "done", "the worker must not block on the FIFO: \(h.currentLog)")

        for (path, mode) in [(secret, mode_t(0o600)), (letter, mode_t(0o640))] {
            var st = stat()
            XCTAssertEqual(lstat(path + ".txt", &st), 0, "\(path).txt was not written")
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG, "\(path).txt is a regular file (the planted link was replaced, not followed)")
            XCTAssertEqual(st.st_mode & 0o7777, mode, "\(path).txt has mode \(String(st.st_mode & 0o7777, radix: 8))")
            let alt = try String(contentsOfFile: path + ".txt", encoding: .utf8)
            XCTAssertTrue(alt.hasPrefix("It says: "), alt)
        }
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "not yours\n", "the symlinks' target was written")
        var st = stat()
        XCTAssertEqual(lstat(linkAtTemporary, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK, "the planted symlink is left alone")
        XCTAssertEqual(lstat(fifoAtTemporary, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the planted FIFO is left alone")
        XCTAssertEqual(h.results(for: h.inbox + "/.secret.jpg.txt.\(pid).tmp").count, 0, "hidden names are never photos")
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    /// Writes `data` with exactly `mode` outside the inbox, then renames it in (as a camera does).
    private func drop(_ data: Data, at path: String, mode: mode_t, in h: DaemonHarness) throws {
        let staging = h.root + "/.staging-" + (path as NSString).lastPathComponent
        try data.write(to: URL(fileURLWithPath: staging))
        XCTAssertEqual(chmod(staging, mode), 0)
        XCTAssertEqual(rename(staging, path), 0, String(cString: strerror(errno)))
    }
}

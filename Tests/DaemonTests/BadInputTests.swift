import XCTest
import Glibc

/// Hostile files in a watched folder: each gets a clean, recorded error or is skipped as not a
/// photo, and nothing blocks or kills the daemon.
final class BadInputTests: XCTestCase {
    /// 50000x50000 headers, a truncated JPEG, random bytes and an empty file: each is recorded as
    /// failed with an error that names the photo and the problem, and the daemon stays up.
    func testHugeTruncatedRandomAndEmptyFilesAreRecordedAsFailed() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model"])
        try h.start()
        let bad = DaemonHarness.fixtures.appendingPathComponent("bad")
        let cases: [(name: String, data: Data, says: [String])] = [
            ("huge.jpg", try HugeHeader.jpeg(width: 50000, height: 50000), ["50000x50000"]),
            ("huge.png", HugeHeader.png(width: 50000, height: 50000), ["50000x50000"]),
            ("cut.jpg", try Data(contentsOf: bad.appendingPathComponent("truncated.jpg")), ["truncated"]),
            ("noise.jpg", try Data(contentsOf: bad.appendingPathComponent("random.bin")), ["not a JPEG or PNG"]),
            ("empty.png", Data(), ["empty"]),
        ]
        let started = Date()
        var paths: [String: String] = [:]
        let events = try h.events()
        for c in cases { paths[c.name] = try h.drop(c.name, c.data) }
        for c in cases {
            let r = h.waitForResult(paths[c.name]!)
            XCTAssertEqual(r?.state, "failed", "\(c.name); log:\n\(h.currentLog)")
            let error = r?.error ?? ""
            XCTAssertTrue(error.contains(c.name), "\(c.name): error does not name the photo: \(error)")
            for word in c.says { XCTAssertTrue(error.contains(word), "\(c.name): error does not say \(word): \(error)") }
            XCTAssertNotNil(events.next(.speechQueued, timeout: 10) { $0.utteranceKind == .error && ($0.text ?? "").contains(c.name) },
                            "no spoken error for \(c.name)")
        }
        // A 50000x50000 header is refused from the header: no 7.5 GB allocation, no long decode.
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertLessThan(FaultSupport.rssKiB(h.process!.processIdentifier) ?? .max, 400 * 1024)
        XCTAssertNotNil(try h.dropSentinel())
        for c in cases { XCTAssertEqual(h.results(for: paths[c.name]!).count, 1, "\(c.name) recorded more than once") }
        XCTAssertEqual(try h.client(["status"]).status, 0)
    }

    /// A directory and a FIFO named like photos, created in place and moved in, are skipped: no
    /// record, and the daemon never opens the FIFO (a blocking open of a FIFO for reading would
    /// hang the watcher or the worker until some writer came).
    func testDirectoryAndFIFONamedLikePhotosAreSkippedAndNeverBlock() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model"])
        try h.start()
        let pid = h.process!.processIdentifier
        XCTAssertEqual(mkdir(h.inbox + "/folder.jpg", 0o755), 0)
        let movedDir = h.root + "/album.png"
        XCTAssertEqual(mkdir(movedDir, 0o755), 0)
        XCTAssertEqual(rename(movedDir, h.inbox + "/album.png"), 0)

        let fifo = h.inbox + "/pipe.jpg"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        // Open for read and write (never blocks) and close after writing: IN_CLOSE_WRITE on the FIFO.
        let rw = open(fifo, O_RDWR)
        XCTAssertGreaterThanOrEqual(rw, 0)
        XCTAssertEqual(write(rw, "x", 1), 1)
        close(rw)
        let movedFIFO = h.root + "/moved.jpg"
        XCTAssertEqual(mkfifo(movedFIFO, 0o644), 0)
        XCTAssertEqual(rename(movedFIFO, h.inbox + "/moved.jpg"), 0)

        // The sentinel comes after all of them in the queue: recorded means they were handled.
        XCTAssertNotNil(try h.dropSentinel(), "the daemon stopped taking photos; log:\n\(h.currentLog)")
        assertFIFOsUnopened([fifo, h.inbox + "/moved.jpg"], pid: pid)
        let names = Set(h.journal().map { ($0.path as NSString).lastPathComponent })
        XCTAssertEqual(names, ["sentinel.jpg"], "records for things that are not photos")

        // A restart scans them too, and still skips them.
        XCTAssertEqual(h.terminate(), 0, h.currentLog)
        try h.start()
        XCTAssertNotNil(try h.dropSentinel("sentinel2.jpg"), "the daemon stopped taking photos after restart; log:\n\(h.currentLog)")
        assertFIFOsUnopened([fifo, h.inbox + "/moved.jpg"], pid: h.process!.processIdentifier)
        XCTAssertEqual(Set(h.journal().map { ($0.path as NSString).lastPathComponent }), ["sentinel.jpg", "sentinel2.jpg"])
        XCTAssertEqual(try h.client(["status"]).status, 0)
    }

    /// A regular photo that the watcher queued and that is then replaced by a FIFO before the
    /// worker reaches it: the worker opens the path with O_NONBLOCK and fstat()s it, so it
    /// skips the FIFO instead of hanging on it. The photo is queued behind a backlog, so the
    /// swap lands while it waits; an attempt where the worker was faster is tried again.
    func testPhotoReplacedByAFIFOAfterQueueingDoesNotBlockTheWorker() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "speech": "none"])
        try h.start()
        let jpeg = try FaultSupport.tinyJPEG
        let events = try h.events()
        var hit = false
        for attempt in 0..<3 where !hit {
            for i in 0..<400 {
                var d = jpeg
                d.append(contentsOf: Array("\(attempt)-\(i)".utf8))
                _ = try h.drop("backlog-\(attempt)-\(i).jpg", d)
            }
            let path = try h.drop("swap-\(attempt).jpg", jpeg)
            XCTAssertNotNil(events.next(.photoQueued, timeout: 20) { $0.path == path }, h.currentLog.suffix(2000).description)
            let fifo = h.root + "/fifo-\(attempt)"
            XCTAssertEqual(mkfifo(fifo, 0o644), 0)
            XCTAssertEqual(rename(fifo, path), 0)
            XCTAssertNotNil(try h.dropSentinel("after-\(attempt).jpg"), "the worker hung; log:\n\(h.currentLog.suffix(3000))")
            hit = events.all(.photoSkipped).contains { $0.path == path && ($0.error ?? "").contains("not a regular file") }
            if !hit {
                // The worker took the photo before the swap: it must then have been recorded normally.
                XCTAssertEqual(h.results(for: path).first?.state, "done", h.currentLog.suffix(2000).description)
            } else {
                XCTAssertEqual(h.journal().filter { $0.path == path }.count, 0, "the FIFO was recorded")
                assertFIFOsUnopened([path], pid: h.process!.processIdentifier)
            }
        }
        XCTAssertTrue(hit, "the worker reached the photo before the swap in all 3 attempts; the test proved nothing")
        XCTAssertEqual(try h.client(["status"]).status, 0)
    }

    /// Nothing holds the FIFOs open: the daemon's descriptors do not point at them, and a
    /// non-blocking open for writing finds no reader (ENXIO).
    private func assertFIFOsUnopened(_ fifos: [String], pid: pid_t, file: StaticString = #filePath, line: UInt = #line) {
        let open = FaultSupport.openFiles(pid)
        for f in fifos {
            XCTAssertFalse(open.contains(f), "the daemon holds \(f) open", file: file, line: line)
            let fd = Glibc.open(f, O_WRONLY | O_NONBLOCK)
            let e = errno
            if fd >= 0 { close(fd) }
            XCTAssertEqual(fd, -1, "\(f) has a reader", file: file, line: line)
            XCTAssertEqual(e, ENXIO, file: file, line: line)
        }
    }
}

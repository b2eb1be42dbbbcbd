import XCTest
import Glibc
import IPC

/// The state directory fills up while the daemon runs: a photo it cannot record stays pending
/// (not lost, not recorded as done), the daemon says so and keeps running, and once space is
/// freed the photo is recorded without a restart.
final class DiskFullTests: XCTestCase {
    func testFullStateDirectoryKeepsThePhotoPendingUntilSpaceIsFreed() throws {
        try FaultSupport.requireRoot("mount a small tmpfs as the state directory")
        // rescan_interval stays 0 (the harness default): the daemon must come back by itself,
        // not because a periodic scan happened to run.
        // announce = errors: the journal's sentence is one of the daemon's own (the harness turns them off).
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "log_level": "info",
                                           "announce": "errors"])
        try FaultSupport.mountTmpfs(at: h.state, bytes: 256 * 1024)
        defer { FaultSupport.unmount(h.state) }
        try h.start()
        let pid = h.process!.processIdentifier
        let events = try h.events()

        // A photo before the disk fills: recorded as usual.
        let before = try h.drop("before.jpg", try FaultSupport.tinyJPEG)
        XCTAssertEqual(h.waitForResult(before)?.state, "done", h.currentLog)

        let filler = h.state + "/filler"
        let filled = try fill(filler)
        XCTAssertGreaterThan(filled, 100 * 1024, "the tmpfs was not mostly empty")
        // The journal's own last page may still have room for a record or two: those photos are
        // recorded normally. What matters is that the next one that does not fit is kept pending.
        var jpeg = try FaultSupport.tinyJPEG
        var waiting: String?
        for i in 0..<20 where waiting == nil {
            jpeg.append(UInt8(ascii: "0") + UInt8(i % 10))
            let p = try h.drop("full-\(i).jpg", jpeg)
            let refused = { events.all(.journalFailed).contains { $0.photo == "full-\(i).jpg" } }
            h.wait(timeout: 20) { refused() || !h.results(for: p).isEmpty }
            if refused() {
                waiting = p
            } else {
                XCTAssertEqual(h.results(for: p).first?.state, "done", "full-\(i).jpg neither recorded nor reported; log:\n\(h.currentLog)")
            }
        }
        let pending = try XCTUnwrap(waiting, "the journal never ran out of space; log:\n\(h.currentLog)")
        XCTAssertTrue(events.all(.journalFailed).contains { ($0.error ?? "").contains("No space left on device") },
                      "the reason is not in the journal_failed events:\n\(h.currentLog)")
        XCTAssertEqual(h.results(for: pending).count, 0, "a photo that could not be recorded has a result")
        XCTAssertTrue(h.process?.isRunning ?? false, "daemon died when the disk filled; log:\n\(h.currentLog)")

        // The person hears it once (spoken to the WAV sink, outside the full state directory).
        XCTAssertNotNil(events.next(.speechQueued, timeout: 10) { $0.utteranceKind == .error && ($0.text ?? "").contains("cannot save my records") },
                        h.currentLog)
        // And `status` says so.
        let status = try FrameConnection(path: h.socket).call(.status, timeout: 10)
        guard case .status(let s) = status.body else { return XCTFail("status failed: \(status)") }
        XCTAssertTrue(s.journalProblem?.contains("No space left on device") ?? false, "status does not report the journal: \(s)")
        let human = try h.client(["status"])
        XCTAssertTrue(human.stdout.contains("No space left on device"), human.stdout)
        XCTAssertGreaterThan(FaultSupport.rssKiB(pid) ?? 0, 0)

        // Space comes back: the photo is recorded, once, without a restart or a new event.
        XCTAssertEqual(unlink(filler), 0)
        let r = h.waitForResult(pending, timeout: 30)
        XCTAssertEqual(r?.state, "done", "the pending photo was not recorded after space was freed; log:\n\(h.currentLog)")
        XCTAssertNotNil(events.next(.journalRecovered, timeout: 10), h.currentLog)
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertEqual(h.results(for: pending).count, 1, "recorded more than once")
        let after = try FrameConnection(path: h.socket).call(.status, timeout: 10)
        guard case .status(let s2) = after.body else { return XCTFail("status failed: \(after)") }
        XCTAssertNil(s2.journalProblem, "status still reports a journal problem after recovery")
        XCTAssertEqual(h.process?.processIdentifier, pid)
        XCTAssertTrue(h.process?.isRunning ?? false)
        // The journal is whole: a restart reads every line.
        XCTAssertEqual(h.terminate(), 0)
        try h.start()
        XCTAssertFalse(h.currentLog.contains("ignored unreadable lines"), h.currentLog)
    }

    /// The disk fills between the claim and the result: the claim is written, the result is
    /// not. That attempt ended for want of space, not in a crash, so it must not count toward
    /// `max_attempts`: with `max_attempts = 1` the photo is still described and recorded as done
    /// once space is freed, not quarantined as "abandoned after 1 attempt".
    ///
    /// The state directory is a tmpfs with no free page, so the journal can only grow into the
    /// rest of its last page; padding photos are recorded until that rest is big enough for a
    /// claim record but not for the claim and its result.
    func testAnAttemptCutShortByAFullDiskIsNotCountedAsACrash() throws {
        try FaultSupport.requireRoot("mount a small tmpfs as the state directory")
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "log_level": "info",
                                           "max_attempts": "1", "speech": "none"])
        try FaultSupport.mountTmpfs(at: h.state, bytes: 256 * 1024)
        defer { FaultSupport.unmount(h.state) }
        try h.start()
        let journal = h.state + "/journal.jsonl"
        func lines() -> [String] { ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        func size() -> Int { var st = stat(); return stat(journal, &st) == 0 ? Int(st.st_size) : 0 }
        let page = 4096
        let jpeg = try FaultSupport.tinyJPEG
        // Every photo has a name of the same length, so its claim and result lines have the
        // same sizes (give or take a few digits of inode, time and mtime).
        var claimSize = 0, resultSize = 0, target: String?
        for i in 0..<200 {
            let before = size()
            let slack = before % page == 0 ? 0 : page - before % page
            if claimSize > 0, slack >= claimSize + 16, slack + 16 < claimSize + resultSize {
                target = h.inbox + String(format: "/photo-%03d.jpg", i)
                break
            }
            var d = jpeg
            d.append(contentsOf: Array("pad \(i)".utf8))
            let p = try h.drop(String(format: "photo-%03d.jpg", i), d)
            XCTAssertEqual(h.waitForResult(p)?.state, "done", h.currentLog)
            // (JSONEncoder writes "/" as "\/": match the name.)
            let mine = lines().filter { $0.contains((p as NSString).lastPathComponent) }
            claimSize = (mine.first { $0.contains(#""state":"claimed""#) }?.utf8.count ?? 0) + 1
            resultSize = (mine.first { $0.contains(#""state":"done""#) }?.utf8.count ?? 0) + 1
        }
        let path = try XCTUnwrap(target, "the journal's last page never had room for a claim but not a result")
        let filler = h.state + "/filler"
        XCTAssertGreaterThan(try fill(filler), 100 * 1024)

        var d = jpeg
        d.append(contentsOf: Array("target".utf8))
        let targetEvents = try h.events()
        _ = try h.drop((path as NSString).lastPathComponent, d)
        let name = (path as NSString).lastPathComponent
        XCTAssertNotNil(targetEvents.next(.photoClaimed, timeout: 20) { $0.photo == name }, h.currentLog)
        XCTAssertNotNil(targetEvents.next(.journalFailed, timeout: 20) { $0.photo == name }, h.currentLog)
        XCTAssertEqual(h.results(for: path).count, 0)
        // At least one retry runs while the disk is still full (they come every 5 s).
        XCTAssertNotNil(targetEvents.next(.journalFailed, timeout: 15) { $0.photo == name },
                        "the photo was not tried again while the disk was full; log:\n\(h.currentLog)")
        XCTAssertTrue(h.results(for: path).allSatisfy { $0.state != "failed" }, "quarantined while the disk was full: \(h.results(for: path).map { $0.error ?? "" })")

        XCTAssertEqual(unlink(filler), 0)
        let r = h.waitForResult(path, timeout: 30)
        XCTAssertEqual(r?.state, "done", "error: \(r?.error ?? "none"); log:\n\(h.currentLog)")
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertEqual(h.results(for: path).count, 1)
    }

    /// Writes to `path` until the filesystem is full; returns the bytes written.
    private func fill(_ path: String) throws -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw NSError(domain: "open \(path)", code: Int(errno)) }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        var total = 0
        // Bounded: a tmpfs of a few hundred KiB fills long before this.
        for _ in 0..<100_000 {
            let n = write(fd, chunk, chunk.count)
            if n < 0 {
                XCTAssertEqual(errno, ENOSPC)
                break
            }
            total += n
        }
        return total
    }
}

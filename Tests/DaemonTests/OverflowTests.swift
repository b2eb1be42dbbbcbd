import XCTest
import Glibc

/// Bursts of photos into a watched folder: inotify may drop events (IN_Q_OVERFLOW); the rescan
/// that follows must still give every photo exactly one claim and one result.
final class OverflowTests: XCTestCase {
    static let maxQueuedEvents = "/proc/sys/fs/inotify/max_queued_events"

    /// The kernel's event queue is sized when the daemon calls inotify_init, so the limit is
    /// lowered only around the start and put back at once (other programs on the machine get the
    /// normal limit). The daemon is stopped (SIGSTOP) while the burst lands, so 3,000 renames
    /// against a 256-event queue overflow it on any machine, however fast the watcher reads.
    func testQueueOverflowIsRescannedAndEveryPhotoIsRecordedExactlyOnce() throws {
        try FaultSupport.requireRoot("lower /proc/sys/fs/inotify/max_queued_events")
        let count = 3000
        let h = try DaemonHarness(config: ["speech": "none", "ocr_language": "none", "model": "/nonexistent/model"])
        let staged = try stage(count, in: h)

        let old = try FaultSupport.setSysctl(OverflowTests.maxQueuedEvents, "256")
        var restored = false
        let restore = { if !restored { restored = true; try? FaultSupport.writeSysctl(OverflowTests.maxQueuedEvents, old) } }
        defer { restore() }
        try h.start()
        restore()
        XCTAssertEqual(try String(contentsOfFile: OverflowTests.maxQueuedEvents, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), old, "limit not restored")

        let pid = h.process!.processIdentifier
        let events = try h.events()
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        let paths = try land(staged, in: h)
        XCTAssertEqual(kill(pid, SIGCONT), 0)

        XCTAssertNotNil(events.next(.folderOverflow, timeout: 20),
                      "3,000 events against a 256-event queue did not overflow; log:\n\(h.currentLog.suffix(3000))")
        try assertEachRecordedOnce(paths, h, timeout: 90)
    }

    /// 5,000 photos at once with the system's own queue limit: events, a possible overflow and
    /// its rescan, whichever happens, give each photo exactly one claim and one result.
    func testBurstAtTheNormalLimitIsRecordedExactlyOnce() throws {
        let count = 5000
        let h = try DaemonHarness(config: ["speech": "none", "ocr_language": "none", "model": "/nonexistent/model",
                                           "log_level": "info"])
        let staged = try stage(count, in: h)
        try h.start()
        let started = Date()
        let paths = try land(staged, in: h)
        try assertEachRecordedOnce(paths, h, timeout: 120)
        print("burst of \(count): all recorded \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the first rename;",
              h.currentLog.contains("inotify queue overflowed") ? "the queue overflowed" : "no overflow")
    }

    // MARK: - Helpers

    /// Writes `count` copies of a tiny JPEG outside the watched folder, each a little different
    /// (a JPEG comment) so the files are distinct photos.
    private func stage(_ count: Int, in h: DaemonHarness) throws -> [String] {
        let dir = h.root + "/stage"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let jpeg = try FaultSupport.tinyJPEG
        var out: [String] = []
        for i in 0..<count {
            let name = String(format: "burst-%05d.jpg", i)
            var d = jpeg
            d.append(contentsOf: Array("\(i)".utf8))
            try d.write(to: URL(fileURLWithPath: dir + "/" + name))
            out.append(dir + "/" + name)
        }
        return out
    }

    /// Renames every staged file into the watched folder as fast as possible.
    private func land(_ staged: [String], in h: DaemonHarness) throws -> [String] {
        try staged.map { from in
            let to = h.inbox + "/" + (from as NSString).lastPathComponent
            guard rename(from, to) == 0 else { throw NSError(domain: "rename \(from)", code: Int(errno)) }
            return to
        }
    }

    /// Waits (bounded) for a result for every path, then checks the whole journal: one claim and
    /// one result per photo, and nothing else recorded.
    private func assertEachRecordedOnce(_ paths: [String], _ h: DaemonHarness, timeout: Double,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let journal = h.state + "/journal.jsonl"
        let deadline = Date().addingTimeInterval(timeout)
        var finished = 0
        var progress = (count: -1, at: Date())
        while Date() < deadline {
            let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
            finished = text.components(separatedBy: #""state":"done""#).count - 1 + text.components(separatedBy: #""state":"failed""#).count - 1
            if finished >= paths.count { break }
            // A stall of 15 s means photos were lost, not that the machine is slow.
            if finished != progress.count { progress = (finished, Date()) } else if Date().timeIntervalSince(progress.at) > 15 { break }
            XCTAssertTrue(h.process?.isRunning ?? false, "daemon died; log:\n\(h.currentLog.suffix(3000))", file: file, line: line)
            guard h.process?.isRunning ?? false else { return }
            usleep(250_000)
        }
        XCTAssertGreaterThanOrEqual(finished, paths.count, "only \(finished) of \(paths.count) photos recorded in \(timeout) s",
                                    file: file, line: line)
        // FIFO queue: once the sentinel is recorded, anything queued before it has been handled.
        XCTAssertNotNil(try h.dropSentinel(), "sentinel not recorded", file: file, line: line)
        let records = h.journal()
        let tally = FaultSupport.tally(records)
        var wrong: [String] = []
        for p in paths {
            let t = tally[p] ?? (0, 0)
            if t.claimed != 1 || t.finished != 1 { wrong.append("\((p as NSString).lastPathComponent): claimed \(t.claimed), recorded \(t.finished)") }
        }
        XCTAssertEqual(wrong, [], "photos not recorded exactly once", file: file, line: line)
        let sentinel = h.inbox + "/sentinel.jpg"
        let failed = records.filter { $0.state == "failed" && $0.path != sentinel }
        XCTAssertEqual(failed.count, 0, "valid photos failed: \(failed.prefix(3).map { $0.error ?? "" })", file: file, line: line)
        let known = Set(paths).union([sentinel])
        XCTAssertEqual(Set(records.map(\.path)).subtracting(known), [], "records for unknown paths", file: file, line: line)
    }
}

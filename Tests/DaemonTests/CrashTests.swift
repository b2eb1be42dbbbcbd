import XCTest
import Glibc

/// kill -9 and SIGTERM against the real daemon: the journal must stay exact.
final class CrashTests: XCTestCase {
    func testKill9WithPhotosQueuedThenRestartRecordsEachPhotoExactlyOnce() throws {
        let h = try DaemonHarness(config: ["log_level": "info"])
        try h.start()
        let events = try h.events()
        let count = 300
        var paths: [String] = []
        for i in 0..<count {
            paths.append(try h.drop(String(format: "p%04d.jpg", i), BadPhotos.truncatedJPEG + Data("\(i)".utf8)))
        }
        XCTAssertNotNil(events.next(.photoClaimed, timeout: 20), h.currentLog)
        h.kill9()
        let firstRun = h.journal()
        let firstResults = Dictionary(grouping: firstRun.filter { $0.state != "claimed" }, by: \.path)
        XCTAssertLessThan(firstResults.count, count, "the daemon finished every photo before kill -9; the test proved nothing")
        XCTAssertTrue(firstResults.values.allSatisfy { $0.count == 1 }, "a photo was recorded twice before the kill")

        let restart = Date().timeIntervalSince1970
        try h.start()
        XCTAssertTrue(h.wait(timeout: 120) { Set(h.journal().filter { $0.state != "claimed" }.map(\.path)).count == count },
                      "not every photo was recorded after restart; log:\n\(h.currentLog)")
        XCTAssertNotNil(try h.dropSentinel())
        let secondRunResults = h.journal().filter { $0.state != "claimed" && $0.time >= restart }
        for p in paths {
            let before = firstResults[p]?.count ?? 0
            let after = secondRunResults.filter { $0.path == p }.count
            XCTAssertEqual(before + after, 1, "\(p) recorded \(before) time(s) before the kill and \(after) after")
        }
        // Speech is queued only after the result is durable, so at most once per photo.
        let logs = h.allLogs
        for p in paths {
            let name = (p as NSString).lastPathComponent
            let spoken = logs.components(separatedBy: "\n").filter { $0.contains("speech: ") && $0.contains("queued") && $0.contains(name) }
            XCTAssertLessThanOrEqual(spoken.count, 1, "\(name) queued for speech \(spoken.count) times")
        }
        let wavMentions = ((try? FileManager.default.contentsOfDirectory(atPath: h.wav)) ?? []).filter { $0.hasSuffix(".txt") }
            .compactMap { try? String(contentsOfFile: h.wav + "/" + $0, encoding: .utf8) }
        for p in paths {
            let name = (p as NSString).lastPathComponent
            XCTAssertLessThanOrEqual(wavMentions.filter { $0.contains(name) }.count, 1, "\(name) spoken more than once")
        }
    }

    func testSigtermExitsCleanlyAndRemovesTheSocket() throws {
        let h = try DaemonHarness()
        try h.start()
        let p = try h.drop("a.jpg", BadPhotos.truncatedJPEG)
        XCTAssertNotNil(h.waitForResult(p))
        XCTAssertEqual(h.terminate(), 0, h.currentLog)
        XCTAssertTrue(h.currentLog.contains("stopped"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.socket), "socket left behind after SIGTERM")
        let claims = h.journal().filter { $0.path == p && $0.state == "claimed" }.count
        // The journal is whole: a restart reads it without complaint and redoes nothing.
        try h.start()
        XCTAssertNotNil(try h.dropSentinel())
        XCTAssertFalse(h.currentLog.contains("ignored unreadable lines"))
        XCTAssertEqual(h.results(for: p).count, 1)
        // The journal is rewritten at start only when needed (issue 11), so the first run's claim
        // line may still be there; any claim line beyond it would be a new one.
        XCTAssertEqual(h.journal().filter { $0.path == p && $0.state == "claimed" }.count, claims, "a.jpg was claimed again after restart")
    }

    func testSighupReloadsTheConfig() throws {
        let h = try DaemonHarness()
        try h.start()
        let second = h.root + "/second"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        var conf = try String(contentsOfFile: h.configPath, encoding: .utf8)
        conf += "watch = \(h.inbox)\nwatch = \(second)\n"
        try conf.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let events = try h.events()
        kill(h.process!.processIdentifier, SIGHUP)
        XCTAssertNotNil(events.next(.configReloaded, timeout: 10), h.currentLog)
        // The watcher thread adds the new watch on its own, before or after config_reloaded.
        XCTAssertNotNil(events.any(.folderWatched, timeout: 10) { $0.folder == second }, h.currentLog)
        let p = second + "/late.jpg"
        try BadPhotos.truncatedJPEG.write(to: URL(fileURLWithPath: p))
        XCTAssertNotNil(h.waitForResult(p), h.currentLog)
    }

    /// A photo that was started `max_attempts` times without finishing (it crashed the daemon each
    /// time) is recorded as failed instead of being tried again.
    func testPhotoThatNeverFinishesIsQuarantined() throws {
        let h = try DaemonHarness(config: ["max_attempts": "2"])
        let p = try h.drop("crasher.jpg", BadPhotos.truncatedJPEG)
        var st = stat()
        XCTAssertEqual(stat(p, &st), 0)
        try FileManager.default.createDirectory(atPath: h.state, withIntermediateDirectories: true)
        let identity: [String: Any] = ["path": p, "dev": UInt64(st.st_dev), "ino": UInt64(st.st_ino), "size": Int64(st.st_size),
                                       "mtime_ns": Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)]
        var lines = Data()
        for attempt in 1...2 {
            let record: [String: Any] = ["state": "claimed", "photo": identity, "time": Date().timeIntervalSince1970, "attempt": attempt]
            lines += try JSONSerialization.data(withJSONObject: record) + Data("\n".utf8)
        }
        // A torn line, as a kill -9 in mid-write leaves it.
        lines += Data(#"{"state":"done","pho"#.utf8)
        try lines.write(to: URL(fileURLWithPath: h.state + "/journal.jsonl"))
        try h.start()
        let r = h.waitForResult(p)
        XCTAssertEqual(r?.state, "failed", h.currentLog)
        XCTAssertTrue(r?.error?.contains("abandoned after 2 attempts") ?? false, r?.error ?? "nil")
        XCTAssertTrue(h.currentLog.contains("ignored unreadable lines"))
        XCTAssertFalse(h.journal().contains { $0.path == p && $0.attempt == 3 }, "the photo was tried a third time")
    }
}

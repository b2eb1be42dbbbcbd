import Foundation
import IPC
import XCTest
@testable import AssistDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The journal in-process: a restart after a crash redoes a claimed photo, a photo claimed
/// `max_attempts` times is quarantined, a full disk keeps a photo pending, and journals written
/// before protocol v2 still load.
final class JournalTests: XCTestCase {
    /// A daemon that died mid-photo left a claim; the next start redoes it as attempt 2.
    func testClaimedPhotoIsRedoneAfterARestart() throws {
        let crashed = try CoreHarness()
        let path = try crashed.drop("crash.jpg", try CoreHarness.photo)
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0)
        XCTAssertEqual(try crashed.journal.claim(PhotoIdentity(path: path, stat: st)), 1)
        // The crash: nothing else is written; the next daemon opens the same state directory
        // and finds the photo (still in the first one's inbox) again.
        let restarted = try CoreHarness(stateDirectory: crashed.state)
        XCTAssertEqual(restarted.journal.counts, [.claimed: 1])
        restarted.startWorker()
        restarted.captioner.release()
        restarted.found(path)
        XCTAssertEqual(restarted.recorder.next(.photoClaimed)?.attempt, 2)
        XCTAssertNotNil(restarted.recorder.next(.captioned))
        XCTAssertEqual(restarted.record(path)?.state, .done)
        XCTAssertEqual(restarted.record(path)?.attempt, 2)
        _ = restarted.stopWorker()
    }

    /// Claimed max_attempts times without a result (it crashed the daemon each time): recorded
    /// as failed, said once, never captioned again.
    func testPhotoClaimedMaxAttemptsTimesIsQuarantined() throws {
        let first = try CoreHarness(maxAttempts: 2)
        let path = try first.drop("crasher.jpg", try CoreHarness.photo)
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0)
        let photo = PhotoIdentity(path: path, stat: st)
        XCTAssertEqual(try first.journal.claim(photo), 1)
        XCTAssertEqual(try first.journal.claim(photo), 2)
        let h = try CoreHarness(maxAttempts: 2, stateDirectory: first.state)
        XCTAssertEqual(try Journal(directory: first.state).record(for: photo)?.attempt, 2)
        // The restarted pipeline reads the photo from the first harness's inbox.
        h.startWorker()
        h.found(path)
        let failed = try XCTUnwrap(h.recorder.next(.failed))
        XCTAssertTrue(failed.error?.contains("abandoned after 2 attempts") ?? false, "\(failed)")
        XCTAssertEqual(h.journal.record(for: photo)?.state, .failed)
        XCTAssertEqual(h.captioner.callCount, 0)
        XCTAssertNotNil(h.recorder.next(.speechQueued) { $0.utteranceKind == .error })
        XCTAssertEqual(h.speech.utterances.map(\.text), ["I could not read photo crasher.jpg."])
        XCTAssertTrue(h.recorder.all(.photoClaimed).isEmpty)
        _ = h.stopWorker()
    }

    /// A journal written by the daemon before protocol v2 (camelCase fields, `lowContrast`,
    /// `caption-and-text`) loads, its descriptions read as v2, and it is rewritten in v2 form.
    func testJournalFromBeforeProtocolV2StillLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assist-journal-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: CoreHarness.fixtures.appendingPathComponent("journal-v1/journal.jsonl").path,
                                         toPath: dir + "/journal.jsonl")
        let j = try Journal(directory: dir)
        XCTAssertEqual(j.counts, [.done: 5, .failed: 1, .claimed: 1])
        let recent = j.recentCaptions(limit: 10)
        XCTAssertEqual(recent.map(\.photo.name), ["kitchen.jpg", "label.png", "dark.jpg", "bright.jpg", "blur.jpg"])
        let kinds = Set(recent.compactMap(\.description).flatMap { $0.info.quality?.problems.map(\.kind) ?? [] })
        XCTAssertEqual(kinds, [.blurry, .bright, .dark])
        let blur = try XCTUnwrap(recent.last?.description?.info)
        XCTAssertEqual(blur.verbosity, .captionAndText)
        XCTAssertTrue(blur.captionProblem?.contains("No captioning model is installed") ?? false, "\(blur)")
        XCTAssertNotNil(blur.quality?.scores["mean_luminance"], "\(String(describing: blur.quality?.scores))")
        XCTAssertNil(blur.quality?.scores["meanLuminance"])
        let kitchen = try XCTUnwrap(recent.first?.description?.info)
        XCTAssertEqual(kitchen.verbosity, .everything)
        XCTAssertEqual(kitchen.text?.droppedWords, 0)
        XCTAssertNotNil(kitchen.caption?.tokens.first)

        // Compacted on open into the v2 form, which loads to the same records.
        let text = try String(contentsOfFile: dir + "/journal.jsonl", encoding: .utf8)
        XCTAssertFalse(text.contains("droppedWords") || text.contains("captionProblem") || text.contains("meanLuminance")
                       || text.contains("caption-and-text"), text)
        XCTAssertTrue(text.contains("dropped_words") && text.contains("caption_problem"))
        let again = try Journal(directory: dir)
        XCTAssertEqual(again.recentCaptions(limit: 10), recent)
        XCTAssertEqual(again.counts, j.counts)
    }

    /// The state directory is full: the claim cannot be written, the photo stays pending, the
    /// person hears it once, the sources are asked to look again; with space back, the photo is
    /// recorded and `journal_recovered` says so.
    func testFullDiskKeepsPhotosPendingAndSaysSoOnce() throws {
        if geteuid() != 0 { throw XCTSkip("needs root to mount a small tmpfs as the state directory; run the tests as root (CI does)") }
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("assist-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        XCTAssertEqual(run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mount]), 0)
        defer { if run("/bin/umount", [mount]) != 0 { _ = run("/bin/umount", ["-l", mount]) }; try? FileManager.default.removeItem(atPath: mount) }
        let h = try CoreHarness(stateDirectory: mount)
        h.startWorker()
        h.captioner.release(10)
        let filler = mount + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let block = [UInt8](repeating: 0x55, count: 4096)
        while write(fd, block, block.count) > 0 {}
        XCTAssertEqual(errno, ENOSPC)
        close(fd)

        var paths: [String] = []
        for name in ["one.jpg", "two.jpg"] {
            var d = try CoreHarness.photo
            d.append(contentsOf: Array(name.utf8))
            paths.append(try h.drop(name, d))
            h.found(paths.last!)
            let failed = try XCTUnwrap(h.recorder.next(.journalFailed) { $0.photo == name })
            XCTAssertTrue(failed.error?.contains("No space left on device") ?? false, "\(failed)")
        }
        XCTAssertTrue(paths.allSatisfy { h.record($0) == nil }, "a photo that could not be recorded has a record")
        XCTAssertEqual(h.speech.utterances.map(\.text), ["I cannot save my records, so photos are waiting. The disk may be full."])
        XCTAssertEqual(h.source.retryRequests, [PhotoPipeline.journalRetrySeconds, PhotoPipeline.journalRetrySeconds])
        XCTAssertNotNil(h.pipeline.journalProblem)
        guard case .status(let s)? = h.ask(.status) else { return XCTFail("no status") }
        XCTAssertTrue(s.journalProblem?.contains("No space left on device") ?? false, "\(s)")

        // Space is back: the source's rescan finds the photo again and it is recorded once.
        XCTAssertEqual(unlink(filler), 0)
        h.found(paths[0])
        XCTAssertNotNil(h.recorder.next(.journalRecovered))
        XCTAssertNotNil(h.recorder.next(.captioned) { $0.photo == "one.jpg" })
        XCTAssertEqual(h.record(paths[0])?.state, .done)
        XCTAssertEqual(h.record(paths[0])?.attempt, 1, "the claim that could not be written counted as an attempt")
        XCTAssertNil(h.pipeline.journalProblem)
        _ = h.stopWorker()
    }

    private func run(_ tool: String, _ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

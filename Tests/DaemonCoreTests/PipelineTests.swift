import Foundation
import IPC
import XCTest
@testable import AssistDaemon

/// The photo pipeline in-process: claim, describe, record, alt text, then speech, in that
/// order, observed through the event stream while the captioner is held.
final class PipelineTests: XCTestCase {
    func testFolderPhotoIsClaimedThenDescribedThenRecordedThenSpoken() throws {
        let h = try CoreHarness()
        h.startWorker()
        let path = try h.drop("kitchen.jpg", try CoreHarness.photo)
        h.found(path)
        XCTAssertEqual(h.recorder.next(.photoQueued)?.path, path)
        XCTAssertEqual(h.recorder.next(.photoReceived)?.photo, "kitchen.jpg")
        XCTAssertEqual(h.recorder.next(.photoClaimed)?.attempt, 1)
        XCTAssertEqual(h.captioner.entered.wait(timeout: .now() + 10), .success, "the captioner was never called")
        // Held mid-caption: claimed on disk, nothing recorded, said or written yet.
        XCTAssertEqual(h.record(path)?.state, .claimed)
        XCTAssertTrue(h.speech.utterances.isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".txt"))
        XCTAssertTrue(h.recorder.all(.captioned).isEmpty)

        h.captioner.release()
        let captioned = try XCTUnwrap(h.recorder.next(.captioned))
        let message = try XCTUnwrap(captioned.text)
        XCTAssertTrue(message.contains("a photo 400 by 300"), message)
        XCTAssertEqual(captioned.description?.caption?.tokens, [1, 2, 3])
        let record = try XCTUnwrap(h.record(path))
        XCTAssertEqual(record.state, .done)
        XCTAssertEqual(record.message, message)
        XCTAssertEqual(record.caption, "a photo 400 by 300")
        XCTAssertEqual(try String(contentsOfFile: path + ".txt", encoding: .utf8), (PhotoPipeline.altText(captioned.description!) ?? "") + "\n")
        let queued = try XCTUnwrap(h.recorder.next(.speechQueued))
        XCTAssertEqual(queued.text, message)
        XCTAssertEqual(queued.utteranceKind, .caption)
        XCTAssertEqual(h.speech.utterances, [RecordingSpeech.Utterance(id: 1, text: message, kind: .caption)])
        XCTAssertEqual(h.history.last?.text, message)

        // The utterance's end comes back as `spoken`, with its text.
        h.speech.finish(1)
        XCTAssertEqual(h.recorder.next(.spoken)?.text, message)
        _ = h.stopWorker()
    }

    func testRecordedPhotoIsNotDescribedAgainButAnOverwrittenOneIs() throws {
        let h = try CoreHarness()
        h.startWorker()
        h.captioner.release(2)
        let path = try h.drop("door.jpg", try CoreHarness.photo)
        h.found(path)
        XCTAssertNotNil(h.recorder.next(.captioned) { $0.photo == "door.jpg" })
        let first = try XCTUnwrap(h.record(path))

        // Found again (a rescan): dropped before the queue, so nothing is described.
        h.found(path)
        XCTAssertEqual(h.recorder.all(.photoQueued).count, 1, "a recorded photo was queued again")
        var job = PhotoJob(input: .file(path: path))
        let skipped = DispatchSemaphore(value: 0)
        job.completion = { outcome in
            if case .skipped(let reason) = outcome, reason.contains("already recorded") { skipped.signal() }
        }
        // Submitted straight to the queue, the worker itself refuses it.
        XCTAssertEqual(h.intake.submit(job), .queued)
        XCTAssertEqual(skipped.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(h.captioner.callCount, 1)

        // The camera overwrites the file (a new inode): a new photo, described and recorded anew.
        var changed = try CoreHarness.photo
        changed.append(contentsOf: [0xFF, 0xD9])
        try h.drop("door.jpg", changed)
        h.found(path)
        XCTAssertNotNil(h.recorder.next(.captioned) { $0.photo == "door.jpg" })
        let second = try XCTUnwrap(h.record(path))
        XCTAssertNotEqual(first.photo, second.photo)
        XCTAssertEqual(second.state, .done)
        XCTAssertEqual(h.journal.counts[.done], 2)
        XCTAssertEqual(h.captioner.callCount, 2)
        _ = h.stopWorker()
    }

    func testUndecodablePhotoIsRecordedAsFailedAndTheErrorSpoken() throws {
        let h = try CoreHarness()
        h.startWorker()
        let path = try h.drop("list.jpg", Data("milk, bread".utf8))
        h.found(path)
        let failed = try XCTUnwrap(h.recorder.next(.failed))
        XCTAssertTrue(failed.error?.contains("list.jpg") ?? false, "\(failed)")
        XCTAssertEqual(h.record(path)?.state, .failed)
        XCTAssertEqual(h.recorder.next(.speechQueued)?.utteranceKind, .error)
        XCTAssertEqual(h.speech.utterances.map(\.text), ["I could not read photo list.jpg."])
        XCTAssertEqual(h.captioner.callCount, 0)
        _ = h.stopWorker()
    }

    /// Speech events from the output become daemon events: a caption superseded by a newer
    /// one says so by utterance id; the newer one ends as `spoken` with its text.
    func testSupersededCaptionIsReportedByItsUtterance() throws {
        let h = try CoreHarness()
        h.startWorker()
        h.captioner.release(2)
        for name in ["one.jpg", "two.jpg"] {
            var d = try CoreHarness.photo
            d.append(contentsOf: Array(name.utf8))
            h.found(try h.drop(name, d))
            XCTAssertNotNil(h.recorder.next(.speechQueued) { $0.utteranceKind == .caption })
        }
        XCTAssertEqual(h.speech.utterances.map(\.id), [1, 2])
        h.speech.supersede(1)
        h.speech.finish(2)
        XCTAssertEqual(h.recorder.next(.speechSuperseded)?.utterance, 1)
        let spoken = try XCTUnwrap(h.recorder.next(.spoken))
        XCTAssertEqual(spoken.utterance, 2)
        XCTAssertEqual(spoken.text, h.speech.utterances[1].text)
        XCTAssertTrue(h.recorder.all(.spoken).allSatisfy { $0.utterance != 1 })
        _ = h.stopWorker()
    }
}

import Foundation
import IPC
import SystemSupport
import XCTest
@testable import AssistDaemon

/// The one queue in-process: arrival order, files deduplicated, client requests bounded, and
/// waiting requests answered `shutting_down` when the daemon stops.
final class QueueTests: XCTestCase {
    func testPhotosAreTakenInArrivalOrderAndAWaitingFileIsQueuedOnce() throws {
        let h = try CoreHarness()
        h.startWorker()
        let photo = try CoreHarness.photo
        var paths: [String] = []
        for name in ["a.jpg", "b.jpg", "c.jpg"] {
            var d = photo
            d.append(contentsOf: Array(name.utf8))
            paths.append(try h.drop(name, d))
        }
        h.found(paths[0])
        XCTAssertEqual(h.captioner.entered.wait(timeout: .now() + 10), .success)
        // a.jpg is being captioned: b and c wait, and b found again is not queued twice.
        XCTAssertEqual(h.intake.submit(PhotoJob(input: .file(path: paths[1]))), .queued)
        XCTAssertEqual(h.intake.submit(PhotoJob(input: .file(path: paths[2]))), .queued)
        XCTAssertEqual(h.intake.submit(PhotoJob(input: .file(path: paths[1]))), .alreadyQueued)
        XCTAssertEqual(h.queue.count, 3)
        h.captioner.release(3)
        let order = (0..<3).compactMap { _ in h.recorder.next(.captioned)?.photo }
        XCTAssertEqual(order, ["a.jpg", "b.jpg", "c.jpg"])
        XCTAssertEqual(h.captioner.callCount, 3)
        _ = h.stopWorker()
    }

    func testClientRequestsAreBoundedAndWaitingOnesAreCancelledAtShutdown() throws {
        let h = try CoreHarness(maxQueue: 2)
        h.startWorker()
        let photo = try CoreHarness.photo
        let answers = AnswersBox()
        let answered = DispatchSemaphore(value: 0)
        func request(_ name: String) {
            h.router.handle(Request(id: 1, .caption(CaptionRequest(photo: .bytes, name: name, speak: false))), photo: .bytes(photo)) { r in
                answers.add(name, r)
                answered.signal()
            }
        }
        request("first.jpg")
        XCTAssertEqual(h.captioner.entered.wait(timeout: .now() + 10), .success)
        request("second.jpg")
        request("third.jpg")
        // max_queue = 2 waiting: the next is refused at once, and a listener hears why.
        request("fourth.jpg")
        XCTAssertEqual(answered.wait(timeout: .now() + 10), .success)
        guard case .failure(let busy)? = answers.get("fourth.jpg") else { return XCTFail("fourth was not refused: \(answers.all)") }
        XCTAssertEqual(busy.code, .busy)
        XCTAssertEqual(h.recorder.next(.failed) { $0.photo == "fourth.jpg" }?.error, busy.message)

        // Stopping: the two waiting requests are answered `shutting_down`; the one in progress
        // finishes with its description.
        for job in h.queue.close() { job.completion?(.cancelled) }
        h.captioner.release()
        for _ in 0..<3 { XCTAssertEqual(answered.wait(timeout: .now() + 10), .success) }
        for name in ["second.jpg", "third.jpg"] {
            guard case .failure(let e)? = answers.get(name) else { return XCTFail("\(name): \(answers.all)") }
            XCTAssertEqual(e.code, .shuttingDown)
        }
        guard case .caption(let c)? = answers.get("first.jpg") else { return XCTFail("first: \(answers.all)") }
        XCTAssertFalse(c.spoken)
        XCTAssertEqual(c.tokens, [1, 2, 3])
        // A client's photo is answered, not recorded, and with speak=false not said.
        XCTAssertTrue(h.journal.counts.isEmpty)
        XCTAssertTrue(h.speech.utterances.isEmpty)
        XCTAssertEqual(h.history.last?.photo, "first.jpg")
        XCTAssertEqual(h.queue.add(PhotoJob(input: .bytes(photo, name: "late.jpg"))), .closed)
    }
}

/// Answers by photo name, from the router's reply threads.
final class AnswersBox: Sendable {
    private let answers = Locked<[String: ResponseBody]>([:])
    func add(_ name: String, _ r: ResponseBody) { answers.withLock { $0[name] = r } }
    func get(_ name: String) -> ResponseBody? { answers.withLock { $0[name] } }
    var all: [String: ResponseBody] { answers.withLock { $0 } }
}

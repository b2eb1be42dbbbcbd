import XCTest
import Glibc
import IPC

/// SIGTERM while a photo is being described: that job finishes (or, past the grace period, stays
/// `claimed` and is redone), photos still queued are left for the next start, waiting socket
/// requests are answered `shutting_down`, and nothing is recorded twice.
final class SigtermTests: XCTestCase {
    func testSigtermDuringADescriptionFinishesItAndLeavesTheQueueForTheNextStart() throws {
        guard let model = DaemonHarness.fixtureModel else { throw XCTSkip("needs Tests/Fixtures/models/tiny-st") }
        let text = DaemonHarness.fixtures.appendingPathComponent("analysis/text")
        var hitMidJob = false
        for attempt in 1...3 where !hitMidJob {
            let h = try DaemonHarness(config: ["model": model, "max_queue": "4"])
            try h.start()
            let pid = h.process!.processIdentifier
            let events = try h.events()
            let first = try h.drop("first.png", Data(contentsOf: text.appendingPathComponent("appointment-serif-18.png")))
            XCTAssertNotNil(events.next(.photoClaimed) { $0.photo == "first.png" }, h.currentLog)
            // The rest queue behind the one being described.
            var queued: [String] = []
            for name in ["soup-sans-32.jpg", "juice-bold-44.jpg", "tablets-sans-20.jpg"] {
                queued.append(try h.drop("later-" + name, Data(contentsOf: text.appendingPathComponent(name))))
            }
            let client = try FrameConnection(path: h.socket)
            let requestID = try client.send(.caption(CaptionRequest(photo: .bytes, name: "waiting.jpg", speak: false)),
                                            attachment: Data(contentsOf: text.appendingPathComponent("soup-sans-32.jpg")))
            // 50 ms of CPU since the claim: the worker is inside the description.
            let t0 = FaultSupport.cpuTicks(pid) ?? 0
            XCTAssertTrue(h.wait(timeout: 20) { (FaultSupport.cpuTicks(pid) ?? 0) - t0 >= 5 })
            XCTAssertEqual(h.terminate(timeout: 30), 0, "not a clean exit; log:\n\(h.currentLog)")
            let log = h.currentLog
            let lines = log.split(separator: "\n")
            let signalAt = lines.firstIndex { $0.contains("signal received") }
            let describedAt = lines.firstIndex { $0.contains("photo described") && $0.contains(first) }
            guard let s = signalAt, let d = describedAt, s < d else {
                // The description ended before the signal: nothing was in flight; try again.
                print("attempt \(attempt): the job finished before SIGTERM arrived")
                continue
            }
            hitMidJob = true
            XCTAssertTrue(log.contains("stopped"), log)
            XCTAssertEqual(h.results(for: first).map(\.state), ["done"], "the job in progress was not finished and recorded once")
            for p in queued {
                XCTAssertEqual(h.journal().filter { $0.path == p }.count, 0, "\(p) was started after SIGTERM")
            }
            // The socket request waiting in the queue is answered, not left hanging.
            var answer: Response?
            while answer == nil || answer?.id == 0 { answer = try client.receive(timeout: 10) }
            XCTAssertEqual(answer?.id, requestID)
            guard case .failure(let e)? = answer?.body else { return XCTFail("waiting request got \(String(describing: answer))") }
            XCTAssertEqual(e.code, .shuttingDown)

            let restart = Date().timeIntervalSince1970
            let firstClaims = h.journal().filter { $0.path == first && $0.state == "claimed" }.count
            try h.start()
            for p in queued { XCTAssertEqual(h.waitForResult(p, timeout: 60)?.state, "done", h.currentLog) }
            XCTAssertNotNil(try h.dropSentinel())
            // The journal is rewritten at start only when needed, so the first run's claim line
            // may still be there; a claim line beyond it would be a new one.
            XCTAssertEqual(h.journal().filter { $0.path == first && $0.state == "claimed" }.count, firstClaims, "the finished photo was claimed again")
            let secondRun = h.journal().filter { $0.time >= restart && $0.state != "claimed" }
            for p in [first] + queued {
                let before = p == first ? 1 : 0
                XCTAssertEqual(before + secondRun.filter { $0.path == p }.count, 1, "\(p) not recorded exactly once")
            }
        }
        XCTAssertTrue(hitMidJob, "SIGTERM never arrived while a photo was being described in 3 attempts")
    }
}

import Foundation
import IPC
import Speech
import SystemSupport
import XCTest
@testable import AssistDaemon

/// The photo-arrived earcon and the working tick, driven by the daemon's events.
final class AudibleProgressTests: XCTestCase {
    private func event(_ kind: EventKind, _ photo: String) -> Event {
        Event(kind: kind, time: Date().timeIntervalSince1970, photo: photo)
    }

    func testEarconOnArrivalTicksWhileWorkingAndStopsBeforeTheResult() throws {
        let box = Locked<RecordingSpeech?>(nil)
        let narrator = Narrator(sinkName: "recording", events: EventHub()) { onEvent in
            let s = RecordingSpeech(onEvent: onEvent)
            box.withLock { $0 = s }
            return s
        }
        let speech = try XCTUnwrap(box.withLock { $0 })
        let progress = AudibleProgress(narrator: narrator, delay: 0.05, interval: 0.05)
        defer { progress.stop() }

        progress.emit(event(.photoReceived, "a.jpg"))
        XCTAssertEqual(speech.earcons, [.photoArrived], "the arrival earcon is played at once")
        XCTAssertTrue(progress.isTicking)
        let deadline = Date().addingTimeInterval(5)
        while !speech.earcons.contains(.working), Date() < deadline { usleep(1000) }
        XCTAssertTrue(speech.earcons.contains(.working), "no working tick while the photo was being described")

        // A second photo arrives while the first is described: ticking goes on until both end.
        progress.emit(event(.photoReceived, "b.jpg"))
        progress.emit(event(.captioned, "a.jpg"))
        XCTAssertTrue(progress.isTicking, "the second photo is still being described")
        progress.emit(event(.failed, "b.jpg"))
        XCTAssertFalse(progress.isTicking, "ticks go on after the last result")
        XCTAssertEqual(speech.earcons.filter { $0 == .photoArrived }.count, 2)
        XCTAssertTrue(speech.earcons.allSatisfy { $0 == .photoArrived || $0 == .working }, "\(speech.earcons)")
    }
}

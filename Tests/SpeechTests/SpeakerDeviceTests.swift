import Foundation
import XCTest
@testable import Speech

/// The ALSA sink. This machine has no sound card: "default" cannot be opened, which is exactly
/// the situation these tests need; ALSA's "null" PCM stands in for a working device.
final class SpeakerDeviceTests: XCTestCase {
    func testNoAudioDeviceReportsUnhealthyAndFailsUtterancesWithoutBlocking() throws {
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .device, voice: VoiceSettings(),
                                  options: SpeakerOptions(deviceRetryInterval: 60, worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        try XCTSkipIf(speaker.health.ok, "this machine has a working ALSA default device")

        let health = speaker.health
        XCTAssertEqual(health.sink, "device")
        XCTAssertFalse(health.ok)
        let detail = try XCTUnwrap(health.detail)
        XCTAssertTrue(detail.hasPrefix("ALSA PCM \"default\": cannot open: "), detail)
        XCTAssertTrue(detail.hasSuffix("(retrying every 60 s)"), detail)
        XCTAssertEqual(speaker.deviceOpenAttempts, 1)

        var ids: [UInt64] = []
        for (text, kind) in [("A tree in a park.", UtteranceKind.caption), ("The photo is blurry.", .error), ("Hello.", .message)] {
            let begun = Date()
            ids.append(speaker.enqueue(text, kind: kind))
            XCTAssertLessThan(Date().timeIntervalSince(begun), 0.05, "enqueue must not block")
        }
        wait(for: ids.map { recorder.expectEnd(of: $0) }, timeout: 5)
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        for id in ids {
            guard case .failed(id, let reason) = recorder.events.last(where: { $0.id == id }) else {
                return XCTFail("utterance \(id) should fail: \(recorder.events)")
            }
            XCTAssertTrue(reason.hasPrefix("audio device unavailable: ALSA PCM \"default\": cannot open"), reason)
        }
        XCTAssertFalse(recorder.events.contains { if case .started = $0 { return true }; return false })
        // Not due yet: utterances do not hammer the device with open attempts.
        XCTAssertEqual(speaker.deviceOpenAttempts, 1)
    }

    func testMissingDeviceIsRetriedAtTheConfiguredInterval() throws {
        let interval = 0.2
        let recorder = EventRecorder()
        let begun = Date()
        let speaker = try Speaker(sink: .device, voice: VoiceSettings(),
                                  options: SpeakerOptions(deviceRetryInterval: interval, worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        try XCTSkipIf(speaker.health.ok, "this machine has a working ALSA default device")
        let retried = XCTNSPredicateExpectation(predicate: NSPredicate { _, _ in speaker.deviceOpenAttempts >= 4 }, object: nil)
        wait(for: [retried], timeout: 10)
        let elapsed = Date().timeIntervalSince(begun)
        let attempts = speaker.deviceOpenAttempts
        print("device open attempts: \(attempts) in \(String(format: "%.2f", elapsed)) s")
        XCTAssertGreaterThanOrEqual(elapsed, 3 * interval * 0.9, "three retries cannot come sooner than three intervals")
        XCTAssertLessThanOrEqual(Double(attempts), elapsed / interval + 2, "retries must not spin")
        XCTAssertFalse(speaker.health.ok)
    }

    func testNullDevicePlaysUtterancesFromWorkers() throws {
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .device, voice: VoiceSettings(),
                                  options: SpeakerOptions(alsaDevice: "null", worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        XCTAssertEqual(speaker.health, SpeechHealth(sink: "device", ok: true, detail: "playing on ALSA PCM \"null\" at 22050 Hz"))
        let first = speaker.enqueue("A bicycle leaning against a wall.", kind: .caption)
        let second = speaker.enqueue("The photo is too bright.", kind: .error)
        wait(for: [first, second].map { recorder.expectEnd(of: $0) }, timeout: 30)
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        XCTAssertEqual(recorder.events, [
            .started(id: first, text: "A bicycle leaning against a wall."), .finished(id: first, file: nil),
            .started(id: second, text: "The photo is too bright."), .finished(id: second, file: nil),
        ])
        XCTAssertTrue(speaker.health.ok)
    }
}

import Foundation
import XCTest
@testable import Speech

/// Earcons through the speech sink: played between chunks of an utterance being spoken (not
/// after it), at the voice's volume; the WAV sink writes them into `DIR/clips/`.
final class SpeakerClipTests: XCTestCase {
    func testAnEarconPlaysDuringALongUtteranceNotAfterIt() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(volume: 50),
                                  options: SpeakerOptions(paceWavInRealTime: true, worker: TestWorker.command),
                                  onEvent: recorder.handler)
        defer { speaker.shutdown() }

        let id = speaker.enqueue(longText, kind: .caption)
        wait(for: [recorder.expect("started") { $0 == .started(id: id, text: longText) }], timeout: 10)
        let asked = Date()
        speaker.play(.photoArrived)
        let clips = directory.appendingPathComponent("clips")
        var clip: URL?
        let deadline = Date().addingTimeInterval(5)
        while clip == nil, Date() < deadline {
            clip = ((try? FileManager.default.contentsOfDirectory(atPath: clips.path)) ?? [])
                .first { $0.hasSuffix(".wav") }.map { clips.appendingPathComponent($0) }
            if clip == nil { usleep(1000) }
        }
        let written = Date().timeIntervalSince(asked)
        let file = try XCTUnwrap(clip, "no earcon WAV in \(clips.path)")
        print("earcon written \(String(format: "%.1f", written * 1000)) ms into a long utterance")
        XCTAssertLessThan(written, 0.3, "the earcon waited for the utterance")
        XCTAssertTrue(speaker.isSpeaking, "the utterance should still be speaking")
        XCTAssertEqual(try WavData(contentsOf: file).samples, Earcon.photoArrived.samples(volume: 0.5))
        // The speech thread counts the clip once its file is written, which is what the loop
        // above saw; once it is idle the count is settled.
        speaker.stop()
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        XCTAssertEqual(speaker.clipsPlayed, 1)
        // The utterances' directory holds speech only.
        let top = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".wav") }
        XCTAssertEqual(top.count, 1, "\(top)")
    }
}

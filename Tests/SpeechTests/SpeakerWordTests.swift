import Foundation
import XCTest
@testable import Speech

/// Word events (`enqueue(_:kind:reportingWords:)`), which the reading controls follow: they come
/// from libespeak-ng's espeakEVENT_WORD callbacks in the worker, point at the words of the text,
/// and asking for them leaves the audio sample-identical to `espeak-ng -w`.
///
/// Also measures the alternative the reading controls did not take, one utterance per sentence:
/// the time the speech thread needs between two utterances (the next worker's request, its
/// `begin` and first buffer), which on a device would be silence added to espeak-ng's own pause
/// after each sentence.
final class SpeakerWordTests: XCTestCase {
    static let text = "Your appointment is on Monday. Please arrive ten minutes early.\n\nBring your card, grüße Jürgen."

    func testWordsPointAtTheTextAndTheAudioStaysIdenticalToEspeakCLI() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(),
                                  options: SpeakerOptions(worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        let id = speaker.enqueue(Self.text, kind: .caption, reportingWords: true)
        wait(for: [recorder.expectEnd(of: id)], timeout: 60)
        let events = recorder.events.filter { $0.id == id }
        guard case .started = events.first, case .finished(_, let file?) = events.last else {
            return XCTFail("not started then finished: \(events)")
        }
        let scalars = Array(Self.text.unicodeScalars)
        let words = events.compactMap { event -> String? in
            guard case .word(_, let position, let length) = event else { return nil }
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[position..<min(scalars.count, position + length)])
            return String(word)
        }
        // Scalar positions: "grüße" and "Jürgen" come out whole although ü and ß are two bytes.
        XCTAssertEqual(words, ["Your", "appointment", "is", "on", "Monday", "Please", "arrive", "ten", "minutes", "early",
                               "Bring", "your", "card", "grüße", "Jürgen"])
        let ours = try WavData(contentsOf: URL(fileURLWithPath: file))
        let cli = try WavData(contentsOf: EspeakCLI.render(Self.text, arguments: EspeakCLI.arguments(VoiceSettings()), into: directory))
        XCTAssertGreaterThan(cli.samples.count, 22050)
        XCTAssertEqual(ours.bytes, cli.bytes, "asking for words changed the audio")

        // Without asking, there are none.
        let plain = speaker.enqueue("Hello world.", kind: .message)
        wait(for: [recorder.expectEnd(of: plain)], timeout: 60)
        XCTAssertFalse(recorder.events.contains { if case .word(plain, _, _) = $0 { return true }; return false })
    }

    /// Paced like a device: the words arrive in real time, each no earlier than its audio.
    func testPacedWordsArriveAsTheyAreHeardAndMeasureTheGapBetweenUtterances() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(),
                                  options: SpeakerOptions(paceWavInRealTime: true, worker: TestWorker.command),
                                  onEvent: recorder.handler)
        defer { speaker.shutdown() }
        let sentences = ["Your appointment is on Monday.", "Please arrive ten minutes early.", "Bring your card."]
        let whole = speaker.enqueue(sentences.joined(separator: " "), kind: .message, reportingWords: true)
        wait(for: [recorder.expectEnd(of: whole)], timeout: 60)
        let start = try XCTUnwrap(recorder.time(of: .started(id: whole, text: sentences.joined(separator: " "))))
        let timed = recorder.events.compactMap { event -> (Int, TimeInterval)? in
            guard case .word(whole, let position, _) = event else { return nil }
            return (position, recorder.time(of: event)!.timeIntervalSince(start))
        }
        XCTAssertEqual(timed.count, 13)
        // "Please" starts the second sentence, about two seconds in at the default rate.
        let please = try XCTUnwrap(timed.first { $0.0 == 31 })
        XCTAssertGreaterThan(please.1, 1.0, "words were reported before they could be heard")
        XCTAssertTrue(zip(timed, timed.dropFirst()).allSatisfy { $0.1 <= $1.1 })

        // One utterance per sentence instead: time from one's end to the next one's start.
        let ids = sentences.map { speaker.enqueue($0, kind: .message) }
        wait(for: ids.map { recorder.expectEnd(of: $0) }, timeout: 60)
        var gaps: [Double] = []
        for (a, b) in zip(ids, ids.dropFirst()) {
            let finished = recorder.events.first { if case .finished(a, _) = $0 { return true }; return false }
            guard let finished, let end = recorder.time(of: finished),
                  let next = recorder.time(of: .started(id: b, text: sentences[ids.firstIndex(of: b)!])) else {
                return XCTFail("utterances did not finish and start: \(recorder.events)")
            }
            gaps.append(next.timeIntervalSince(end) * 1000)
        }
        let oneSamples = try WavData(contentsOf: XCTUnwrap(try wavFile(in: directory, id: whole))).samples.count
        let splitSamples = try ids.map { try WavData(contentsOf: XCTUnwrap(try wavFile(in: directory, id: $0))).samples.count }.reduce(0, +)
        print("MEASURED sentence-per-utterance handoff gaps: \(gaps.map { String(format: "%.1f", $0) }) ms; audio: one utterance \(oneSamples) samples, three utterances \(splitSamples) samples (\(String(format: "%+.0f", Double(splitSamples - oneSamples) / 22.05)) ms)")
        XCTAssertEqual(gaps.count, 2)
    }
}

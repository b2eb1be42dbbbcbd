import Foundation
import XCTest
@testable import Speech

/// Stop, supersede and ordering, on a wav sink paced in real time so that an utterance takes as
/// long as it would on a loudspeaker.
final class SpeakerQueueTests: XCTestCase {
    private func pacedSpeaker(_ directory: URL, _ recorder: EventRecorder) throws -> Speaker {
        try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(),
                    options: SpeakerOptions(paceWavInRealTime: true, worker: TestWorker.command), onEvent: recorder.handler)
    }

    func testStopEndsALongUtteranceWithin100Milliseconds() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try pacedSpeaker(directory, recorder)
        defer { speaker.shutdown() }

        let id = speaker.enqueue(longText, kind: .caption)
        wait(for: [recorder.expect("started") { $0 == .started(id: id, text: longText) }], timeout: 10)
        // Let it speak for a moment, as a listener would before saying "stop".
        let stopped = recorder.expect("stopped") { $0 == .stopped(id: id) }
        let stopTime = LockedDate()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            stopTime.set(Date())
            speaker.stop()
        }
        wait(for: [stopped], timeout: 5)
        let latency = try XCTUnwrap(recorder.time(of: .stopped(id: id))).timeIntervalSince(try XCTUnwrap(stopTime.value))
        print("stop latency: \(String(format: "%.1f", latency * 1000)) ms")
        XCTAssertLessThan(latency, 0.1, "stop() to stopped event")
        XCTAssertFalse(recorder.events.contains { if case .finished = $0 { return true }; return false })
        XCTAssertTrue(speaker.waitIdle(timeout: 5))

        // The WAV holds only what was synthesized before the stop: a prefix of the full rendering.
        let file = try XCTUnwrap(try wavFile(in: directory, id: id), "a stopped utterance leaves its WAV")
        let partial = try WavData(contentsOf: file)
        let full = try WavData(contentsOf: EspeakCLI.render(longText, arguments: [], into: directory))
        let seconds = Double(partial.samples.count) / 22050
        print("stopped WAV: \(String(format: "%.2f", seconds)) s of \(String(format: "%.1f", Double(full.samples.count) / 22050)) s")
        XCTAssertGreaterThan(full.samples.count, 22050 * 40, "the long text should take most of a minute")
        XCTAssertGreaterThan(partial.samples.count, 22050 / 5, "about 0.5 s should have been spoken")
        XCTAssertLessThan(partial.samples.count, full.samples.count / 10, "stop should cut the utterance short")
        XCTAssertEqual(partial.dataSizeField, UInt32(partial.samples.count * 2))
        XCTAssertGreaterThan(partial.samples.map { abs(Int($0)) }.max() ?? 0, 1000, "the partial WAV holds speech")
    }

    func testStopDropsEverythingQueued() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try pacedSpeaker(directory, recorder)
        defer { speaker.shutdown() }

        let a = speaker.enqueue(longText, kind: .caption)
        wait(for: [recorder.expect("A started") { $0 == .started(id: a, text: longText) }], timeout: 10)
        let b = speaker.enqueue("The battery is low.", kind: .message)
        let c = speaker.enqueue("The camera folder is missing.", kind: .error)
        XCTAssertEqual(speaker.queueLength, 2)
        XCTAssertTrue(speaker.isSpeaking)
        speaker.stop()
        wait(for: [a, b, c].map { recorder.expectEnd(of: $0) }, timeout: 5)
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        XCTAssertEqual(speaker.queueLength, 0)
        XCTAssertFalse(speaker.isSpeaking)
        let ends = recorder.events.filter { if case .started = $0 { return false }; return true }
        XCTAssertEqual(Set(ends.map { "\($0)" }), Set([SpeechEvent.stopped(id: a), .stopped(id: b), .stopped(id: c)].map { "\($0)" }))
        XCTAssertFalse(recorder.events.contains(.started(id: b, text: "The battery is low.")))
        XCTAssertNil(try wavFile(in: directory, id: b))
        XCTAssertNil(try wavFile(in: directory, id: c))

        // The speaker goes on working after a stop.
        let d = speaker.enqueue("Ready.", kind: .message)
        wait(for: [recorder.expect("D finished") { if case .finished(d, .some) = $0 { return true }; return false }], timeout: 10)
    }

    /// Caption A speaks; B, an error and C are queued meanwhile: C supersedes B, the error is
    /// spoken, and everything else is spoken in order.
    func testNewCaptionSupersedesQueuedCaptionButNotErrors() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try pacedSpeaker(directory, recorder)
        defer { speaker.shutdown() }

        let textA = "A dog lying on a sofa next to a red blanket."
        let a = speaker.enqueue(textA, kind: .caption)
        wait(for: [recorder.expect("A started") { $0 == .started(id: a, text: textA) }], timeout: 10)
        let b = speaker.enqueue("A cat on a chair.", kind: .caption)
        let e = speaker.enqueue("The photo is too dark.", kind: .error)
        let c = speaker.enqueue("A cup of coffee on a table.", kind: .caption)
        XCTAssertEqual(speaker.queueLength, 2, "B was replaced")
        wait(for: [recorder.expect("B superseded") { $0 == .superseded(id: b) }], timeout: 1)
        wait(for: [a, e, c].map { recorder.expectEnd(of: $0) }, timeout: 30)
        XCTAssertTrue(speaker.waitIdle(timeout: 5))

        let order = recorder.events.map { event -> String in
            switch event {
            case .started(let id, _): return "started \(id)"
            case .finished(let id, let file): return file == nil ? "finished \(id) without file" : "finished \(id)"
            case .superseded(let id): return "superseded \(id)"
            case .stopped(let id): return "stopped \(id)"
            case .failed(let id, let reason): return "failed \(id): \(reason)"
            case .word(let id, _, _): return "word \(id)"
            }
        }
        XCTAssertEqual(order, ["started \(a)", "superseded \(b)", "finished \(a)",
                               "started \(e)", "finished \(e)", "started \(c)", "finished \(c)"])
        XCTAssertNil(try wavFile(in: directory, id: b))
        for id in [a, e, c] { XCTAssertNotNil(try wavFile(in: directory, id: id)) }

        // File names sort in speaking order.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".wav") }.sorted()
        XCTAssertEqual(names.map { String($0.dropLast(4).suffix(8)) }, [a, e, c].map { String(format: "%08llu", $0) })
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".tmp") })
    }

    func testMessagesAreNeverSupersededAndEmptyTextFails() throws {
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .none, voice: VoiceSettings(), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        XCTAssertEqual(speaker.health, SpeechHealth(sink: "none", ok: true, detail: "no audio output: utterances are only reported"))
        let ids = ["one", "two", "three"].map { speaker.enqueue($0, kind: .message) }
        let empty = speaker.enqueue("  ", kind: .caption)
        wait(for: (ids + [empty]).map { recorder.expectEnd(of: $0) }, timeout: 5)
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        for (id, text) in zip(ids, ["one", "two", "three"]) {
            XCTAssertTrue(recorder.events.contains(.started(id: id, text: text)))
            XCTAssertTrue(recorder.events.contains(.finished(id: id, file: nil)))
        }
        XCTAssertEqual(recorder.events.first { $0.id == empty }, .failed(id: empty, reason: "nothing to say: the text is empty"))
    }

    func testShutdownStopsSpeechAndLaterEnqueuesFail() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try pacedSpeaker(directory, recorder)
        let a = speaker.enqueue(longText, kind: .caption)
        wait(for: [recorder.expect("A started") { $0 == .started(id: a, text: longText) }], timeout: 10)
        let begun = Date()
        speaker.shutdown()
        XCTAssertLessThan(Date().timeIntervalSince(begun), 1, "shutdown joins the thread promptly")
        XCTAssertTrue(recorder.events.contains(.stopped(id: a)))
        let late = speaker.enqueue("Too late.", kind: .message)
        wait(for: [recorder.expect("late fails") { $0 == .failed(id: late, reason: "speech is shut down") }], timeout: 1)
        speaker.shutdown()
        XCTAssertTrue(speaker.waitIdle(timeout: 1))
    }
}

/// A date written on one thread and read on another.
final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date?
    func set(_ value: Date) { lock.lock(); date = value; lock.unlock() }
    var value: Date? { lock.lock(); defer { lock.unlock() }; return date }
}

import Foundation
import XCTest
@testable import Speech

/// Synthesis in worker processes (`SpeakerOptions.worker`), with this test binary as the worker
/// executable: every utterance of a long-lived speaker equals `espeak-ng -w`, and stop, crashes
/// and restarts behave.
final class SpeakerWorkerTests: XCTestCase {
    struct Case {
        var settings: VoiceSettings
        var text: String
        /// Nil: the CLI flags for `settings`; [] checks that VoiceSettings() equals no flags.
        var cliArguments: [String]? = nil
    }

    /// Sentence punctuation, numbers, dates, a second and third language, variants, a voice
    /// chosen by language, and settings at both ends of their ranges.
    static let cases: [Case] = [
        Case(settings: VoiceSettings(), text: "Hello world."),
        Case(settings: VoiceSettings(), text: "Is this the way out? Yes! Turn left; then go 25 metres, past door 3B.",
             cliArguments: []),
        Case(settings: VoiceSettings(rate: 250, pitch: 30, volume: 80),
             text: "The photo is too dark to describe. Try turning on a light."),
        Case(settings: VoiceSettings(rate: 140, pitch: 70, volume: 150, voice: "de"),
             text: "Eine Tasse Kaffee steht auf dem Tisch. Es ist 17:45 Uhr, und der Zug hat 23 Minuten Verspätung!"),
        Case(settings: VoiceSettings(voice: "en-us"),
             text: "On 3 March 2024 it cost $1,299.99, or 63 percent of the price."),
        Case(settings: VoiceSettings(voice: "en-gb"), text: "A red double-decker bus. It says: number 73, to Oxford Circus."),
        Case(settings: VoiceSettings(rate: 300, voice: "en+f3"), text: "Reading text is one of the most common needs."),
        Case(settings: VoiceSettings(rate: 80, pitch: 0, volume: 200, voice: "fr"),
             text: "Il y a 3 personnes devant la porte. Bonjour, ça va ?"),
        Case(settings: VoiceSettings(rate: 450, pitch: 100, volume: 10), text: "Fast and high: 1, 2, 3, 4, 5."),
        Case(settings: VoiceSettings(), text: "Hello world."),
    ]

    private func workerSpeaker(_ directory: URL, _ recorder: EventRecorder, paced: Bool = false,
                               worker: WorkerCommand = TestWorker.command) throws -> Speaker {
        try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(),
                    options: SpeakerOptions(paceWavInRealTime: paced, worker: worker), onEvent: recorder.handler)
    }

    /// Asserts that the WAV of utterance `id` is byte-identical to the CLI's for `parityCase`.
    private func assertEqualsCLI(_ id: UInt64, _ parityCase: Case, in directory: URL,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let label = "utterance \(id) \(parityCase.settings) \"\(parityCase.text)\""
        let ours = try WavData(contentsOf: XCTUnwrap(try wavFile(in: directory, id: id), "no WAV for \(label)", file: file, line: line))
        let arguments = parityCase.cliArguments ?? EspeakCLI.arguments(parityCase.settings)
        let cliURL = try EspeakCLI.render(parityCase.text, arguments: arguments, into: directory)
        defer { try? FileManager.default.removeItem(at: cliURL) }
        let cli = try WavData(contentsOf: cliURL)
        XCTAssertGreaterThan(cli.samples.count, 22050 / 2, "CLI rendering is implausibly short: \(label)", file: file, line: line)
        XCTAssertEqual(ours.samples.count, cli.samples.count, "sample counts differ: \(label)", file: file, line: line)
        let maxDiff = zip(ours.samples, cli.samples).map { abs(Int($0) - Int($1)) }.max() ?? -1
        XCTAssertEqual(maxDiff, 0, "samples differ: \(label)", file: file, line: line)
        XCTAssertEqual(ours.bytes, cli.bytes, "files differ: \(label)", file: file, line: line)
        print("OK worker parity \(label): \(ours.samples.count) samples, max abs diff \(maxDiff), files identical \(ours.bytes == cli.bytes)")
    }

    func testEveryUtteranceOfALongLivedSpeakerEqualsEspeakCLI() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder)
        defer { speaker.shutdown() }

        // One after the other, changing the voice between utterances.
        var spoken: [(UInt64, Case)] = []
        for parityCase in Self.cases {
            try speaker.setVoice(parityCase.settings)
            let id = speaker.enqueue(parityCase.text, kind: .message)
            wait(for: [recorder.expectEnd(of: id)], timeout: 30)
            guard case .finished(id, .some) = recorder.events.last(where: { $0.id == id }) else {
                return XCTFail("utterance \(id) did not finish: \(recorder.events)")
            }
            spoken.append((id, parityCase))
        }
        // Back to back: queued together, so each starts as soon as the one before ends.
        try speaker.setVoice(VoiceSettings())
        let burst = Self.cases.filter { $0.settings == VoiceSettings() }
        let ids = burst.map { speaker.enqueue($0.text, kind: .message) }
        wait(for: ids.map { recorder.expectEnd(of: $0) }, timeout: 60)
        spoken += zip(ids, burst).map { ($0, $1) }
        XCTAssertTrue(speaker.waitIdle(timeout: 10))

        XCTAssertGreaterThanOrEqual(spoken.count, 12)
        for (id, parityCase) in spoken { try assertEqualsCLI(id, parityCase, in: directory) }
    }

    func testStopEndsAWorkerUtteranceWithin100MillisecondsAndKeepsAnExactPrefix() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder, paced: true)
        defer { speaker.shutdown() }

        let id = speaker.enqueue(longText, kind: .caption)
        wait(for: [recorder.expect("started") { $0 == .started(id: id, text: longText) }], timeout: 10)
        let speaking = try XCTUnwrap(speaker.workerProcessIDs.active, "a worker is speaking")
        let stopped = recorder.expect("stopped") { $0 == .stopped(id: id) }
        let stopTime = LockedDate()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            stopTime.set(Date())
            speaker.stop()
        }
        wait(for: [stopped], timeout: 5)
        let latency = try XCTUnwrap(recorder.time(of: .stopped(id: id))).timeIntervalSince(try XCTUnwrap(stopTime.value))
        print("worker stop latency: \(String(format: "%.1f", latency * 1000)) ms")
        XCTAssertLessThan(latency, 0.1, "stop() to stopped event")
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        XCTAssertTrue(waitUntil(timeout: 5) { !FileManager.default.fileExists(atPath: "/proc/\(speaking)") },
                      "the stopped worker is reaped")

        // Exactly what the CLI says for the same text, cut short.
        let partial = try WavData(contentsOf: XCTUnwrap(try wavFile(in: directory, id: id)))
        let cliURL = try EspeakCLI.render(longText, arguments: [], into: directory)
        let full = try WavData(contentsOf: cliURL)
        print("stopped WAV: \(String(format: "%.2f", Double(partial.samples.count) / 22050)) s of \(String(format: "%.1f", Double(full.samples.count) / 22050)) s")
        XCTAssertGreaterThan(partial.samples.count, 22050 / 5, "about 0.5 s should have been spoken")
        XCTAssertLessThan(partial.samples.count, 22050, "nothing after the stop is kept")
        XCTAssertEqual(Array(full.samples.prefix(partial.samples.count)), partial.samples, "the partial WAV is the CLI's beginning")
        XCTAssertEqual(partial.dataSizeField, UInt32(partial.samples.count * 2))

        // The next utterance comes from a fresh worker and is exact again.
        let next = Case(settings: VoiceSettings(), text: "Stopped. Ready for the next photo.")
        let nextID = speaker.enqueue(next.text, kind: .message)
        wait(for: [recorder.expectEnd(of: nextID)], timeout: 30)
        try assertEqualsCLI(nextID, next, in: directory)
    }

    func testKilledWorkerFailsItsUtteranceAndTheNextOneWorks() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder, paced: true)
        defer { speaker.shutdown() }

        let id = speaker.enqueue(longText, kind: .caption)
        wait(for: [recorder.expect("started") { $0 == .started(id: id, text: longText) }], timeout: 10)
        let speaking = try XCTUnwrap(speaker.workerProcessIDs.active)
        XCTAssertEqual(kill(speaking, SIGKILL), 0)
        wait(for: [recorder.expectEnd(of: id)], timeout: 15)
        guard case .failed(id, let reason) = recorder.events.last(where: { $0.id == id }) else {
            return XCTFail("a killed worker fails its utterance: \(recorder.events)")
        }
        print("killed worker: \(reason)")
        XCTAssertTrue(reason.contains("killed by signal 9"), reason)
        XCTAssertNil(try wavFile(in: directory, id: id), "a failed utterance leaves no WAV")
        XCTAssertTrue(speaker.health.ok, "one crash is not a broken speaker: \(speaker.health)")

        let next = Case(settings: VoiceSettings(), text: "The speaker is working again.")
        let nextID = speaker.enqueue(next.text, kind: .message)
        wait(for: [recorder.expectEnd(of: nextID)], timeout: 30)
        try assertEqualsCLI(nextID, next, in: directory)
        XCTAssertTrue(waitUntil(timeout: 5) { !FileManager.default.fileExists(atPath: "/proc/\(speaking)") },
                      "the killed worker is reaped")
    }

    func testIdleWorkerThatDiesIsReplacedWithoutAFailure() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder)
        defer { speaker.shutdown() }

        let first = try XCTUnwrap(waitForIdleWorker(speaker, other: nil))
        XCTAssertEqual(kill(first, SIGKILL), 0)
        let second = try XCTUnwrap(waitForIdleWorker(speaker, other: first), "a new worker replaces the dead one")
        XCTAssertNotEqual(first, second)
        XCTAssertTrue(waitUntil(timeout: 5) { !FileManager.default.fileExists(atPath: "/proc/\(first)") },
                      "the dead idle worker is reaped at once, not left a zombie")

        let parityCase = Case(settings: VoiceSettings(), text: "Nothing was lost.")
        let id = speaker.enqueue(parityCase.text, kind: .message)
        wait(for: [recorder.expectEnd(of: id)], timeout: 30)
        try assertEqualsCLI(id, parityCase, in: directory)
        XCTAssertFalse(recorder.events.contains { if case .failed = $0 { return true }; return false })
    }

    func testSupersedeAndOrderWithWorkers() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder, paced: true)
        defer { speaker.shutdown() }

        let textA = "A dog lying on a sofa next to a red blanket."
        let a = speaker.enqueue(textA, kind: .caption)
        wait(for: [recorder.expect("A started") { $0 == .started(id: a, text: textA) }], timeout: 10)
        let b = speaker.enqueue("A cat on a chair.", kind: .caption)
        let e = speaker.enqueue("The photo is too dark.", kind: .error)
        let c = speaker.enqueue("A cup of coffee on a table.", kind: .caption)
        XCTAssertEqual(speaker.queueLength, 2, "B was replaced")
        wait(for: [a, e, c].map { recorder.expectEnd(of: $0) }, timeout: 30)
        XCTAssertTrue(speaker.waitIdle(timeout: 5))
        XCTAssertEqual(recorder.events.map(\.id), [a, b, a, e, e, c, c])
        XCTAssertEqual(recorder.events[1], .superseded(id: b))
        XCTAssertNil(try wavFile(in: directory, id: b))
        for (id, text) in [(a, textA), (e, "The photo is too dark."), (c, "A cup of coffee on a table.")] {
            try assertEqualsCLI(id, Case(settings: VoiceSettings(), text: text), in: directory)
        }
    }

    func testNoZombiesAndNoWorkersAfterShutdown() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        _ = try EspeakEngine.shared.start()
        let descriptorsBefore = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        let speaker = try workerSpeaker(directory, recorder, paced: true)
        let ids = ["One.", "Two.", "Three."].map { speaker.enqueue($0, kind: .message) }
        wait(for: ids.map { recorder.expectEnd(of: $0) }, timeout: 30)
        let long = speaker.enqueue(longText, kind: .message)
        wait(for: [recorder.expect("started") { $0 == .started(id: long, text: longText) }], timeout: 10)
        speaker.stop()
        XCTAssertTrue(speaker.waitIdle(timeout: 5))

        let idle = try XCTUnwrap(waitForIdleWorker(speaker, other: nil))
        let workers = ChildProcess.all().filter { $0.pid == idle || $0.state == "Z" }
        XCTAssertEqual(workers.map(\.pid), [idle], "only the idle worker is a child, and no zombie: \(ChildProcess.all())")
        // Once it has initialized libespeak-ng and set its voice (it has no way to say so).
        Thread.sleep(forTimeInterval: 0.5)
        print("idle worker (this test binary as host): \(memorySummary(of: idle) ?? "gone")")
        speaker.shutdown()
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(idle)"), "shutdown kills and reaps the idle worker")
        XCTAssertEqual(ChildProcess.all().filter { $0.state == "Z" }, [], "no zombies")
        XCTAssertNil(speaker.workerProcessIDs.idle)
        let descriptorsAfter = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        XCTAssertEqual(descriptorsAfter, descriptorsBefore, "every worker socket is closed")
        XCTAssertEqual(recorder.events.filter { if case .finished = $0 { return true }; return false }.count, 3)
    }

    func testMissingWorkerExecutableFailsUtterancesAndRetriesSlowly() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder, worker: WorkerCommand(executable: "/nonexistent/assistd"))
        defer { speaker.shutdown() }

        XCTAssertTrue(waitUntil(timeout: 5) { !speaker.health.ok })
        let detail = try XCTUnwrap(speaker.health.detail)
        XCTAssertTrue(detail.hasPrefix("speech worker /nonexistent/assistd: cannot start: No such file or directory"), detail)
        let id = speaker.enqueue("Hello.", kind: .message)
        wait(for: [recorder.expectEnd(of: id)], timeout: 5)
        guard case .failed(id, let reason) = recorder.events.last(where: { $0.id == id }) else {
            return XCTFail("expected a failure: \(recorder.events)")
        }
        XCTAssertTrue(reason.hasPrefix("speech worker unavailable: speech worker /nonexistent/assistd: cannot start: No such file or directory"), reason)
        Thread.sleep(forTimeInterval: 2)
        // 0 s, 0 s, 0.5 s, 1 s later...: a handful of attempts, not a loop.
        XCTAssertLessThanOrEqual(speaker.workerSpawnAttempts, 6, "attempts in about 2 s")
        XCTAssertGreaterThanOrEqual(speaker.workerSpawnAttempts, 3)
    }

    func testWorkerThatExitsAtOnceIsRestartedWithBackoffAndReaped() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder, worker: WorkerCommand(executable: "/bin/false"))
        defer { speaker.shutdown() }

        XCTAssertTrue(waitUntil(timeout: 5) { !speaker.health.ok })
        let detail = try XCTUnwrap(speaker.health.detail)
        // Depending on how far /bin/false got before its socket was written to.
        XCTAssertTrue(detail.hasPrefix("speech worker /bin/false ended while waiting (exited with status 1)")
                      || detail.hasPrefix("speech worker /bin/false did not take its voice: send: Broken pipe (exited with status 1)"), detail)
        Thread.sleep(forTimeInterval: 2)
        let attempts = speaker.workerSpawnAttempts
        XCTAssertLessThanOrEqual(attempts, 6, "attempts in about 2 s")
        XCTAssertGreaterThanOrEqual(attempts, 3)
        XCTAssertTrue(waitUntil(timeout: 2) { ChildProcess.all().allSatisfy { $0.state != "Z" } }, "crashed workers are reaped: \(ChildProcess.all())")

        let id = speaker.enqueue("Hello.", kind: .message)
        wait(for: [recorder.expectEnd(of: id)], timeout: 5)
        guard case .failed(id, let reason) = recorder.events.last(where: { $0.id == id }) else {
            return XCTFail("expected a failure: \(recorder.events)")
        }
        XCTAssertTrue(reason.contains("/bin/false"), reason)
    }

    /// Enqueue to first audio at the sink with workers, each utterance started from an idle
    /// speaker (as a caption normally is), against libespeak-ng's own time to first audio when
    /// it synthesizes in this process.
    func testStartLatencyWithWorkersIsLikeInProcess() throws {
        func median(_ xs: [TimeInterval]) -> TimeInterval { xs.sorted()[xs.count / 2] }
        let engine = EspeakEngine.shared
        _ = try engine.start()
        var inProcessLatencies: [TimeInterval] = []
        for index in 0..<7 {
            let start = Date()
            var firstAudio: Date?
            let outcome = engine.synthesize("A cup of coffee on a table, number \(index).", settings: VoiceSettings(),
                                            selection: .byName("en"), begin: { _ in },
                                            onChunk: { _ in firstAudio = firstAudio ?? Date(); return false },
                                            shouldAbort: { false })
            XCTAssertEqual(outcome, .aborted, "stopped at the first chunk")
            inProcessLatencies.append(try XCTUnwrap(firstAudio).timeIntervalSince(start))
        }
        let inProcess = median(inProcessLatencies)

        let workerDirectory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: workerDirectory) }
        let workerRecorder = EventRecorder()
        let warm = try workerSpeaker(workerDirectory, workerRecorder)
        var latencies: [TimeInterval] = []
        for index in 0..<7 {
            // Give the next worker time to start (it has no way to say it is ready), as
            // between two photos; on a loaded machine a start takes up to ~0.5 s.
            Thread.sleep(forTimeInterval: 1)
            let id = warm.enqueue("A cup of coffee on a table, number \(index).", kind: .caption)
            wait(for: [workerRecorder.expectEnd(of: id)], timeout: 30)
            latencies.append(try XCTUnwrap(warm.lastStartLatency))
        }
        warm.shutdown()
        let workers = median(latencies)
        print("start latency (enqueue to first audio), median of 7: in process \(String(format: "%.1f", inProcess * 1000)) ms, worker \(String(format: "%.1f", workers * 1000)) ms")
        XCTAssertLessThan(workers, inProcess + 0.05, "a ready worker adds no noticeable latency")

        // A voice change just before the utterance: its worker starts from scratch.
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try workerSpeaker(directory, recorder)
        defer { speaker.shutdown() }
        var cold: [TimeInterval] = []
        for voice in ["en-us", "de", "en"] {
            Thread.sleep(forTimeInterval: 0.4)
            try speaker.setVoice(VoiceSettings(voice: voice))
            let id = speaker.enqueue("A cup of coffee on a table.", kind: .caption)
            wait(for: [recorder.expectEnd(of: id)], timeout: 30)
            cold.append(try XCTUnwrap(speaker.lastStartLatency))
        }
        print("start latency right after a voice change: \(cold.map { String(format: "%.1f ms", $0 * 1000) })")
    }

    func testASinkThatMakesAudioNeedsAWorkerCommand() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for sink in [SpeechSinkSpec.wav(directory: directory.path), .device] {
            XCTAssertThrowsError(try Speaker(sink: sink, voice: VoiceSettings(), onEvent: { _ in })) { error in
                XCTAssertEqual(error as? SpeechError, .noWorker(sink: sink.description))
                XCTAssertTrue("\(error)".contains("SpeakerOptions.worker"), "\(error)")
            }
        }
    }

    // MARK: - Helpers

    /// Waits for an idle worker other than `other`; returns its pid.
    private func waitForIdleWorker(_ speaker: Speaker, other: Int32?) -> Int32? {
        var found: Int32?
        _ = waitUntil(timeout: 10) {
            found = speaker.workerProcessIDs.idle
            return found != nil && found != other
        }
        return found == other ? nil : found
    }

    /// Checks `condition` every 10 ms until it holds or `timeout` passes.
    private func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }
}

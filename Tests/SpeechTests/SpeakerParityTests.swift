import Foundation
import XCTest
@testable import Speech

/// The wav sink against the espeak-ng CLI (`espeak-ng -w out.wav -s RATE -p PITCH -a VOLUME -v
/// VOICE TEXT`).
///
/// libespeak-ng's waveform generator keeps state from one utterance to the next (the noise
/// generator's rand(), the AGC and wave phase in wavegen.c are static and no API resets them;
/// espeak_ng_Terminate + espeak_ng_Initialize deadlocks in 1.51), and even sentence pauses can
/// depend on the previous text, which is why every utterance is synthesized in a fresh worker
/// process. Two tests: exact equality for the first utterance of a speaker, each case in a fresh
/// child process; and, for a long-lived speaker going back and forth between voices, the same
/// speech (length and aligned loudness envelope) as the CLI. `SpeakerWorkerTests` checks that
/// later utterances are exact too.
final class SpeakerParityTests: XCTestCase {
    struct Case: Codable {
        var settings: VoiceSettings
        var text: String
        /// Nil: the flags for `settings`; [] checks that VoiceSettings() equals no flags at all.
        var cliArguments: [String]?
    }

    static let cases: [Case] = [
        Case(settings: VoiceSettings(), text: "Hello world."),
        Case(settings: VoiceSettings(), text: "Nothing in this photo can be recognized; it is too blurry.",
             cliArguments: []),
        Case(settings: VoiceSettings(), text: "A person holding a can of tomato soup in front of a kitchen counter."),
        Case(settings: VoiceSettings(rate: 250, pitch: 30, volume: 80),
             text: "The photo is too dark to describe. Try turning on a light."),
        Case(settings: VoiceSettings(voice: "en-us"), text: "A stop sign on a street corner; 63 percent of photos contain text!"),
        Case(settings: VoiceSettings(rate: 140, pitch: 70, volume: 150, voice: "de"),
             text: "Eine Tasse Kaffee steht auf dem Tisch. Die Straße ist groß, übrigens."),
        Case(settings: VoiceSettings(voice: "en-gb"), text: "A red double-decker bus."),
        Case(settings: VoiceSettings(rate: 300, voice: "en+f3"), text: "Reading text is one of the most common needs."),
    ]

    static let childEnvironmentKey = "ASSIST_SPEECH_PARITY_CHILD"

    func testFirstUtteranceOfAProcessEqualsEspeakCLI() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, parityCase) in Self.cases.enumerated() {
            let caseDirectory = directory.appendingPathComponent("case\(index)")
            try runChild(parityCase, directory: caseDirectory)
            let files = try FileManager.default.contentsOfDirectory(atPath: caseDirectory.path).filter { $0.hasSuffix(".wav") }
            XCTAssertEqual(files.count, 1, "case \(index): expected one WAV, found \(files)")
            let file = try XCTUnwrap(files.first.map { caseDirectory.appendingPathComponent($0) })
            let ours = try WavData(contentsOf: file)
            let arguments = parityCase.cliArguments ?? EspeakCLI.arguments(parityCase.settings)
            let cli = try WavData(contentsOf: EspeakCLI.render(parityCase.text, arguments: arguments, into: directory))

            XCTAssertEqual(ours.formatTag, 1, "PCM")
            XCTAssertEqual(ours.channels, 1)
            XCTAssertEqual(ours.bitsPerSample, 16)
            XCTAssertEqual(ours.sampleRate, 22050)
            XCTAssertEqual(ours.byteRate, 44100)
            XCTAssertEqual(ours.blockAlign, 2)
            XCTAssertEqual(ours.dataSizeField, UInt32(ours.samples.count * 2))
            XCTAssertEqual(ours.riffSizeField, UInt32(36 + ours.samples.count * 2))
            XCTAssertEqual([cli.formatTag, cli.channels, cli.blockAlign, cli.bitsPerSample], [1, 1, 2, 16])
            XCTAssertEqual([cli.sampleRate, cli.byteRate], [22050, 44100])
            XCTAssertGreaterThan(cli.samples.count, 22050 / 2, "CLI rendering of \"\(parityCase.text)\" is implausibly short")
            XCTAssertEqual(ours.samples.count, cli.samples.count, "case \(index) \(parityCase.settings): sample counts differ")
            let maxDiff = zip(ours.samples, cli.samples).map { abs(Int($0) - Int($1)) }.max() ?? -1
            XCTAssertEqual(maxDiff, 0, "case \(index) \(parityCase.settings): samples differ")
            // The CLI patches its header's sizes on close, so the 44-byte headers and the files
            // are identical too.
            XCTAssertEqual(ours.bytes, cli.bytes, "case \(index): files differ")
            print("OK parity case \(index) \(parityCase.settings.voice) rate \(parityCase.settings.rate) pitch \(parityCase.settings.pitch) volume \(parityCase.settings.volume): \(ours.samples.count) samples, maxdiff = \(maxDiff), files identical = \(ours.bytes == cli.bytes)")

            let sidecar = file.deletingPathExtension().appendingPathExtension("txt")
            XCTAssertEqual(try String(contentsOf: sidecar, encoding: .utf8), parityCase.text)
        }
    }

    /// Not a test of its own: the body of one child process of
    /// `testFirstUtteranceOfAProcessEqualsEspeakCLI`, skipped when run directly.
    func testParityChild() throws {
        guard let json = ProcessInfo.processInfo.environment[Self.childEnvironmentKey] else {
            throw XCTSkip("runs only as a child process of testFirstUtteranceOfAProcessEqualsEspeakCLI")
        }
        let request = try JSONDecoder().decode(ChildRequest.self, from: Data(json.utf8))
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .wav(directory: request.directory), voice: request.parityCase.settings,
                                  options: SpeakerOptions(worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        let id = speaker.enqueue(request.parityCase.text, kind: .message)
        wait(for: [recorder.expectEnd(of: id)], timeout: 60)
        guard case .finished(id, .some) = recorder.events.last else {
            return XCTFail("utterance did not finish: \(recorder.events)")
        }
    }

    /// A long-lived speaker going back and forth between voices: each utterance is the CLI's
    /// speech. Compared: length within 5 %, and the loudness envelopes (RMS per 20 ms) aligned by dynamic
    /// time warping differ on average by under 25 % of the CLI's mean loudness (measured
    /// 0.01...0.18). The same text at another rate (length) or half the volume (envelope,
    /// measured 0.41...0.67) fails these checks.
    func testLaterUtterancesMatchEspeakCLIEnvelope() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorder = EventRecorder()
        let speaker = try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(),
                                  options: SpeakerOptions(worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        for parityCase in Self.cases + Self.cases.reversed() {
            try speaker.setVoice(parityCase.settings)
            let id = speaker.enqueue(parityCase.text, kind: .message)
            wait(for: [recorder.expectEnd(of: id)], timeout: 30)
            let ours = try WavData(contentsOf: XCTUnwrap(try wavFile(in: directory, id: id), "no WAV for \(id)"))
            let cli = try WavData(contentsOf: EspeakCLI.render(parityCase.text, arguments: EspeakCLI.arguments(parityCase.settings), into: directory))
            let lengthRatio = Double(ours.samples.count) / Double(cli.samples.count)
            let distance = envelopeDistance(ours.samples, cli.samples)
            let label = "\(parityCase.settings) \"\(parityCase.text)\""
            XCTAssertEqual(lengthRatio, 1, accuracy: 0.05, label)
            XCTAssertLessThan(distance, 0.25, label)

            var otherRate = parityCase.settings
            otherRate.rate = otherRate.rate == 175 ? 260 : 175
            let fast = try WavData(contentsOf: EspeakCLI.render(parityCase.text, arguments: EspeakCLI.arguments(otherRate), into: directory))
            let otherRatio = Double(ours.samples.count) / Double(fast.samples.count)
            XCTAssertGreaterThan(abs(otherRatio - 1), 0.1, "rate \(otherRate.rate) should change the length")
            var quieter = parityCase.settings
            quieter.volume /= 2
            let quiet = try WavData(contentsOf: EspeakCLI.render(parityCase.text, arguments: EspeakCLI.arguments(quieter), into: directory))
            let quietDistance = envelopeDistance(ours.samples, quiet.samples)
            XCTAssertGreaterThan(quietDistance, 0.3, "volume \(quieter.volume) should change the envelope")
            print("OK envelope \(parityCase.settings.voice) rate \(parityCase.settings.rate) volume \(parityCase.settings.volume): length ratio \(String(format: "%.4f", lengthRatio)), envelope distance \(String(format: "%.3f", distance)); other rate: length ratio \(String(format: "%.3f", otherRatio)); half volume: distance \(String(format: "%.3f", quietDistance))")
        }
    }

    // MARK: - Helpers

    private struct ChildRequest: Codable {
        var parityCase: Case
        var directory: String
    }

    /// Runs this test binary again with only `testParityChild`, in a fresh process.
    private func runChild(_ parityCase: Case, directory: URL) throws {
        let request = ChildRequest(parityCase: parityCase, directory: directory.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        process.arguments = ["SpeechTests.SpeakerParityTests/testParityChild"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childEnvironmentKey] = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "child for \(parityCase.settings) failed:\n\(log)")
        XCTAssertTrue(log.contains("Executed 1 test"), "child did not run testParityChild:\n\(log)")
    }

    /// Mean absolute difference of the RMS envelopes (20 ms frames) along the best dynamic time
    /// warping path, relative to `reference`'s mean RMS.
    private func envelopeDistance(_ samples: [Int16], _ reference: [Int16]) -> Double {
        let frame = 441
        func envelope(_ x: [Int16]) -> [Double] {
            stride(from: 0, to: x.count - frame + 1, by: frame).map { start in
                (x[start..<start + frame].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(frame)).squareRoot()
            }
        }
        let (a, b) = (envelope(samples), envelope(reference))
        guard !a.isEmpty, !b.isEmpty else { return .infinity }
        // cost[i][j]: (total difference, path length) of the best path to (i, j).
        var cost = [[(Double, Int)]](repeating: [(Double, Int)](repeating: (.infinity, 0), count: b.count), count: a.count)
        for i in 0..<a.count {
            for j in 0..<b.count {
                let d = abs(a[i] - b[j])
                if i == 0, j == 0 { cost[i][j] = (d, 1); continue }
                var best: (Double, Int) = (.infinity, 0)
                for (pi, pj) in [(i - 1, j), (i, j - 1), (i - 1, j - 1)] where pi >= 0 && pj >= 0 {
                    if cost[pi][pj].0 < best.0 { best = cost[pi][pj] }
                }
                cost[i][j] = (best.0 + d, best.1 + 1)
            }
        }
        let (total, steps) = cost[a.count - 1][b.count - 1]
        let mean = b.reduce(0, +) / Double(b.count)
        return total / Double(steps) / mean
    }
}

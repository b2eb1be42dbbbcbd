import Foundation
import IPC
import PhotoAnalysis
import Speech
import SystemSupport
import TestSupport
import Vision
import XCTest
@testable import AssistDaemon

/// The light tone loop in-process: a fake camera hands it generated photos, a recorder stands in
/// for clip playback; the tones' pitch is measured in their samples.
final class LightToneLoopTests: XCTestCase {
    private var state = ""

    override func setUpWithError() throws {
        state = FileManager.default.temporaryDirectory.appendingPathComponent("assist-light-\(UUID())").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: state)
    }

    /// Uniform gray photos: dark, moderate, bright.
    static let lumas: [Double] = [20, 110, 235]
    static let photos = lumas.map { v in TestPNG.gray(160, 120) { _, _ in v } }

    /// The pitch LightMeter gives a photo, decoded as the loop decodes it.
    static func expectedPitch(_ png: Data) throws -> Double {
        let rgb = try ImageDecoder.decode(png)
        return LightMeter().measure(try PixelImage(width: rgb.width, height: rgb.height, rgb: rgb.pixels)).tonePitch
    }

    /// Frequency of a tone from its rising zero crossings, Hz.
    static func measuredFrequency(_ samples: [Int16], sampleRate: Int) -> Double {
        var crossings: [Int] = []
        for i in 1..<samples.count where samples[i - 1] < 0 && samples[i] >= 0 { crossings.append(i) }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 2 else { return 0 }
        return Double(crossings.count - 1) * Double(sampleRate) / Double(last - first)
    }

    final class Recorder: Sendable {
        let tones = Locked<[Earcon]>([])
        let played = DispatchSemaphore(value: 0)
        let captures = Locked(0)
    }

    func testTonesFollowTheBrightnessUntilStopped() throws {
        let modes = ModeStore(stateDirectory: state)
        try modes.set(.light)
        let r = Recorder()
        let photos = Self.photos
        let loop = LightToneLoop(modes: modes, interval: 0.05, toneDuration: 0.2, capture: {
            let n = r.captures.withLock { c -> Int in defer { c += 1 }; return c }
            if n == 1 { throw CaptureFailure() }
            return photos[(n < 1 ? n : n - 1) % photos.count]
        }, play: { tone in
            r.tones.withLock { $0.append(tone) }
            r.played.signal()
        })
        try loop.start()
        XCTAssertTrue(loop.isRunning)
        XCTAssertThrowsError(try loop.start()) { XCTAssertEqual($0 as? LightToneLoop.StartProblem, .alreadyRunning) }
        for _ in 0..<3 { XCTAssertEqual(r.played.wait(timeout: .now() + 20), .success, "a tone each second") }
        loop.stop()
        XCTAssertTrue(loop.waitForEnd(timeout: 20))
        XCTAssertFalse(loop.isRunning)
        let tones = r.tones.withLock { $0 }
        let captures = r.captures.withLock { $0 }
        XCTAssertGreaterThanOrEqual(captures, 4, "the failed capture was skipped, not the end of the loop")
        XCTAssertEqual(tones.count, captures - 1, "one tone per photo taken, none for the failed capture")

        var pitches: [Double] = []
        for (i, tone) in tones.prefix(3).enumerated() {
            guard case .tone(let frequency, let duration) = tone else { return XCTFail("not a tone: \(tone)") }
            XCTAssertEqual(duration, 0.2)
            XCTAssertEqual(frequency, try Self.expectedPitch(photos[i]), accuracy: 1e-9)
            let measured = Self.measuredFrequency(tone.samples(), sampleRate: Tone.sampleRate)
            XCTAssertEqual(measured, frequency, accuracy: frequency * 0.02, "pitch measured in the samples")
            pitches.append(measured)
        }
        XCTAssertEqual(pitches, pitches.sorted(), "darker photos give lower tones: \(pitches)")
        XCTAssertTrue(pitches.allSatisfy { (215...1800).contains($0) }, "\(pitches)")
        XCTAssertGreaterThan(pitches[2] / pitches[0], 2, "a dark and a bright room sound octaves apart")
        XCTAssertEqual(r.tones.withLock { $0.count }, tones.count, "nothing is played after stop")
    }

    func testTheLoopNeedsLightModeAndEndsWhenTheModeChanges() throws {
        let modes = ModeStore(stateDirectory: state)
        let r = Recorder()
        let photo = Self.photos[1]
        let loop = LightToneLoop(modes: modes, interval: 0.05, capture: { photo }, play: { tone in
            r.tones.withLock { $0.append(tone) }
            r.played.signal()
        })
        XCTAssertThrowsError(try loop.start()) { XCTAssertEqual($0 as? LightToneLoop.StartProblem, .notLightMode(.describe)) }
        XCTAssertFalse(loop.isRunning)
        try modes.set(.light)
        try loop.start()
        XCTAssertEqual(r.played.wait(timeout: .now() + 20), .success)
        try modes.set(.colour)
        XCTAssertTrue(loop.waitForEnd(timeout: 20), "a mode change ends the loop by itself")
        XCTAssertFalse(loop.isRunning)
        // Started again in light mode, it plays again.
        try modes.set(.light)
        try loop.start()
        XCTAssertEqual(r.played.wait(timeout: .now() + 20), .success)
        loop.stop()
        XCTAssertTrue(loop.waitForEnd(timeout: 20))
    }

    func testModeStoreCyclesSavesAndSaysTheName() throws {
        let modes = ModeStore(stateDirectory: state)
        XCTAssertEqual(modes.current, .describe)
        XCTAssertEqual(modes.cycle(), "Mode: text.")
        XCTAssertEqual(modes.cycle(), "Mode: product.")
        XCTAssertEqual(modes.cycle(), "Mode: colour.")
        XCTAssertEqual(modes.cycle(), "Mode: light.")
        XCTAssertEqual(ModeStore(stateDirectory: state).current, .light, "saved for the next start")
        XCTAssertEqual(modes.cycle(), "Mode: describe.")
        modes.update(language: .german)
        XCTAssertEqual(modes.cycle(), "Modus: Text lesen.")
        XCTAssertThrowsError(try modes.set(named: "sepia")) { XCTAssertTrue("\($0)".contains("describe, text, product, colour, light")) }
        XCTAssertEqual(modes.current, .text)
    }
}

private struct CaptureFailure: Error {}

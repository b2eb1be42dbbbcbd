import Foundation
import IPC
import PhotoAnalysis
import Speech
import SystemSupport

/// Light mode with hands-free capture: while it runs, every `interval` seconds it takes a photo
/// through `capture`, measures its light (`LightMeter`) and plays a tone whose pitch follows the
/// brightness (`LightMeter.tonePitch`, 220...1760 Hz) through `play`, until `stop()` or until the
/// mode is no longer `light`.
///
/// The camera and the sound output are injected: the daemon passes its capture service and its
/// speech sink's clip playback, the tests a fake camera and a recorder. A capture or decode that
/// fails skips that tick (the next one tries again); it never ends the loop.
final class LightToneLoop: Sendable {
    /// Why `start()` did not start the loop.
    enum StartProblem: Error, Equatable, CustomStringConvertible {
        case notLightMode(AssistMode)
        case alreadyRunning

        var description: String {
            switch self {
            case .notLightMode(let m): return "the light tone needs light mode; the mode is \(m.rawValue)"
            case .alreadyRunning: return "the light tone is already playing"
            }
        }
    }

    private struct State {
        var running = false
        /// Counts starts, so a loop that was stopped and started again ends its old thread.
        var generation = 0
    }

    /// Seconds between photos.
    let interval: Double
    /// Seconds each tone lasts (shorter than `interval`, so tones never overlap).
    let toneDuration: Double
    private let modes: ModeStore
    private let capture: @Sendable () throws -> Data
    private let play: @Sendable (Earcon) -> Void
    private let state = Locked(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Entered while a loop thread runs.
    private let threads = DispatchGroup()

    init(modes: ModeStore, interval: Double = 1, toneDuration: Double = 0.25,
         capture: @escaping @Sendable () throws -> Data, play: @escaping @Sendable (Earcon) -> Void) {
        self.modes = modes
        self.interval = interval
        self.toneDuration = toneDuration
        self.capture = capture
        self.play = play
    }

    var isRunning: Bool { state.withLock { $0.running } }

    /// Starts the loop on its own thread; the first photo is taken at once.
    func start() throws(StartProblem) {
        let mode = modes.current
        guard mode == .light else { throw .notLightMode(mode) }
        let generation = try state.withLock { s throws(StartProblem) -> Int in
            guard !s.running else { throw .alreadyRunning }
            s.running = true
            s.generation += 1
            return s.generation
        }
        threads.enter()
        let thread = Thread { [self] in
            run(generation)
            threads.leave()
        }
        thread.name = "light-tone"
        thread.start()
        logInfo("mode", "light tone started", ["interval_s": interval])
    }

    /// Stops the loop; a tone already handed to `play` finishes. Safe to call when not running.
    func stop() {
        let was = state.withLock { s -> Bool in defer { s.running = false }; return s.running }
        if was {
            wake.signal()
            logInfo("mode", "light tone stopped")
        }
    }

    /// Waits until every loop thread has ended (after `stop()` or a mode change); false if one
    /// still runs after `timeout` seconds. A tick in progress finishes its capture first.
    func waitForEnd(timeout: Double) -> Bool {
        threads.wait(timeout: .now() + timeout) == .success
    }

    private func current(_ generation: Int) -> Bool {
        state.withLock { $0.running && $0.generation == generation }
    }

    private func run(_ generation: Int) {
        while current(generation) {
            guard modes.current == .light else {
                state.withLock { if $0.generation == generation { $0.running = false } }
                logInfo("mode", "light tone stopped: the mode changed", ["mode": modes.current.rawValue])
                return
            }
            let tick = DispatchTime.now()
            if let pitch = measure(), current(generation) {
                play(.tone(frequency: pitch, duration: toneDuration))
            }
            // Waits out the rest of the interval, or less when stop() wakes it.
            let next = tick + interval
            while current(generation), wake.wait(timeout: next) == .success {}
        }
    }

    /// The tone's pitch for one new photo; nil when no photo could be taken or decoded.
    private func measure() -> Double? {
        let data: Data
        do { data = try capture() } catch {
            logWarning("mode", "light tone: no photo this time", ["reason": "\(error)"])
            return nil
        }
        switch PhotoDescriber.decode(data, name: "light tone photo") {
        case .failure(let failed):
            if case .failed(let detail, _) = failed.description.outcome {
                logWarning("mode", "light tone: photo cannot be decoded", ["reason": detail])
            }
            return nil
        case .success(let photo):
            return LightMeter().measure(photo.image).tonePitch
        }
    }
}

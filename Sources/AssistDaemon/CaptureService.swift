import Devices
import Foundation
import Messages
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The camera as a photo source: takes a photo with `CameraCapture` on its own thread (never the
/// key thread or the socket thread) and hands it to the pipeline as a file job, so it goes
/// through the journal like a watched photo: claimed, described once, recorded.
///
/// Captures live in their own directory (`capture_dir`, default STATE_DIR/captures), which no
/// folder watcher sees. A photo lands there complete (`CameraCapture` renames the chosen frame
/// into place), so a kill -9 at any point leaves either nothing or a whole photo; `start` finds
/// the photos a previous run left without a result and queues them again, and deletes the ones
/// already recorded when captures are not kept. Each `CaptureError` is spoken in its one
/// sentence and the daemon goes on.
final class CaptureService: Sendable {
    struct Settings: Sendable, Equatable {
        var camera: CameraCapture.Settings
        var directory: String
        var keepCaptures: Bool
    }

    /// How a `snap` ended.
    enum Outcome: Sendable, Equatable {
        /// The photo was taken; this is how its job ended.
        case photo(PhotoOutcome, path: String)
        /// No photo: the camera failed (already spoken, when speaking was asked for).
        case captureFailed(CaptureError)
        /// `maxWaiting` captures are waiting already.
        case busy
        /// The daemon is stopping.
        case closed
    }

    /// Captures waiting behind the one being taken, at most: more presses than this are dropped.
    static let maxWaiting = 4

    private struct State {
        var waiting = 0
        var closed = false
    }

    let settings: Settings
    private let intake: PhotoIntake
    private let narrator: Narrator
    private let onCapture: @Sendable (CaptureError?) -> Void
    private let worker = DispatchQueue(label: "assist.capture")
    private let state = Locked(State())

    /// `onCapture` hears each capture's result (nil: a photo was taken), for the degraded-state
    /// announcer ("The camera is not working.").
    init(settings: Settings, intake: PhotoIntake, narrator: Narrator,
         onCapture: @escaping @Sendable (CaptureError?) -> Void = { _ in }) {
        self.settings = settings
        self.intake = intake
        self.narrator = narrator
        self.onCapture = onCapture
    }

    /// Whether a camera program is there (for the start-up and status sentences).
    var cameraFound: Bool { CameraCapture(settings: settings.camera).command != nil }

    /// Makes the capture directory and queues the photos a previous run left undescribed. Call
    /// before the pipeline's worker starts, so they are described first.
    func start() throws {
        try FileSystem.makeDirectory(settings.directory, mode: 0o700)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: settings.directory)) ?? []).sorted()
        for name in names {
            let path = settings.directory + "/" + name
            if name.hasPrefix(".capture-") {
                // A burst's working directory: the process died before the photo was chosen.
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            guard name.hasPrefix("capture-") else { continue }
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if let r = intake.journal.record(for: PhotoIdentity(path: path, stat: st)), r.state != .claimed {
                // Recorded, but the run ended before it could delete the photo.
                if !settings.keepCaptures { unlink(path) }
                continue
            }
            logInfo("capture", "queueing a photo the last run took but did not describe", ["path": path])
            _ = intake.submit(job(path, speak: true) { _ in })
        }
    }

    /// Takes one photo that is measured and forgotten, never journaled or described (the light
    /// mode's tone loop): the bytes of the kept frame; the file is gone when this returns.
    func takeFrame() throws -> Data {
        try FileSystem.makeDirectory(settings.directory, mode: 0o700)
        let camera = CameraCapture(settings: settings.camera)
        // A hidden name, so neither a start-up scan nor a watcher takes it for a photo to describe.
        let photo = try camera.capture(into: settings.directory, name: ".light-" + CameraCapture.photoName(at: Date()))
        defer { unlink(photo.path) }
        return try Data(contentsOf: URL(fileURLWithPath: photo.path))
    }

    /// No more captures; those waiting end `.closed`.
    func stop() {
        state.withLock { $0.closed = true }
    }

    /// Takes a photo and has it described; `completion` runs once, on the capture or the
    /// pipeline's worker thread. `speak`: the description and any camera error are spoken.
    func snap(speak: Bool, completion: @escaping @Sendable (Outcome) -> Void) {
        let admitted = state.withLock { s -> Outcome? in
            if s.closed { return .closed }
            if s.waiting > CaptureService.maxWaiting { return .busy }
            s.waiting += 1
            return nil
        }
        if let refused = admitted { return completion(refused) }
        worker.async { [self] in
            let closed = state.withLock { s -> Bool in
                s.waiting -= 1
                return s.closed
            }
            if closed { return completion(.closed) }
            capture(speak: speak, completion: completion)
        }
    }

    private func capture(speak: Bool, completion: @escaping @Sendable (Outcome) -> Void) {
        let camera = CameraCapture(settings: settings.camera)
        let photo: CameraCapture.Photo
        do {
            photo = try camera.capture(into: settings.directory, name: CameraCapture.photoName(at: Date()))
        } catch {
            logWarning("capture", "no photo taken", ["reason": error.description])
            onCapture(error)
            if speak { narrator.say([narrator.text(error.spoken)], kind: .error) }
            return completion(.captureFailed(error))
        }
        onCapture(nil)
        logInfo("capture", "photo taken", ["path": photo.path, "program": photo.program, "frames": photo.frames.count,
                                          "kept": photo.kept, "sharpness": photo.sharpness.map { Double($0) }])
        let path = photo.path
        switch intake.submit(job(path, speak: speak) { completion(.photo($0, path: path)) }) {
        case .queued, .alreadyQueued: break
        case .busy, .overBudget, .closed: completion(.closed)
        }
    }

    /// A file job for a capture that, unless captures are kept, deletes the photo once its
    /// result (a description or a failure) is in the journal. A photo left pending stays, and
    /// the next start queues it again.
    private func job(_ path: String, speak: Bool, then: @escaping @Sendable (PhotoOutcome) -> Void) -> PhotoJob {
        let keep = settings.keepCaptures
        return PhotoJob(input: .file(path: path), speak: speak) { outcome in
            switch outcome {
            case .described, .failed:
                if !keep, unlink(path) != 0, errno != ENOENT {
                    logWarning("capture", "cannot delete a described photo", ["path": path, "reason": String(cString: strerror(errno))])
                }
            case .skipped, .pending, .cancelled:
                break
            }
            then(outcome)
        }
    }
}

extension CaptureService.Settings {
    init(_ c: DaemonConfig) {
        self.init(camera: CameraCapture.Settings(command: c.captureCommand, frames: c.captureFrames, timeout: c.captureTimeout),
                  directory: c.capturesDirectory, keepCaptures: c.keepCaptures)
    }
}

import Foundation
import IPC
import Messages
import SystemSupport

/// Everything the daemon says about itself: the start-up sentence from real health, each
/// degraded state once when it begins and once when it ends, and "Stopping." on SIGTERM. It
/// speaks through the Narrator's `announce`, so the `language` and `announce` settings apply
/// and an error is queued as an `error` utterance that no caption supersedes.
///
/// It listens to the daemon's events (model loaded or failed, folder lost or back, journal
/// failed or recovered, config reloaded) and then looks at the real state again, so what it
/// says follows what is true rather than what an event claimed. The work runs on its own serial
/// queue: `emit` is called on whatever thread emitted the event and returns at once.
final class Announcer: EventSink {
    /// Where the health parts come from. The closures are asked on the announcer's queue.
    struct Sources: Sendable {
        var models: ModelLoader
        var pipeline: PhotoPipeline
        /// Whether a camera program resolves (`CaptureService.cameraFound`): `.found`, `.notFound`
        /// when photos are to be taken, `.notUsed` otherwise.
        var camera: @Sendable () -> HealthReport.Presence
        /// Whether the configured key devices are there; `.notUsed` without `input_devices`.
        var keys: @Sendable () -> HealthReport.Presence
    }

    private struct State {
        var tracker = DegradedStateTracker()
        /// Set once the start-up sentence was said; events before it only update `lostFolders`.
        var started = false
        var stopping = false
        var lostFolders: [String: Bool] = [:]
        /// States reported from outside (camera failing or missing, key device lost).
        var reported: Set<DegradedState> = []
        /// Between `journal_failed` and `journal_recovered`.
        var journalFailing = false
    }

    private let narrator: Narrator
    private let sources: Sources
    private let state = Locked(State())
    private let queue = DispatchQueue(label: "assist.announcer")

    init(narrator: Narrator, sources: Sources) {
        self.narrator = narrator
        self.sources = sources
    }

    // MARK: - Health

    /// What works now, as the start-up sentence and the status say it.
    func health(invalidSettings: [String] = []) -> HealthReport {
        HealthReport(captions: captions(), reading: reading(), camera: sources.camera(), keys: sources.keys(),
                     invalidSettings: invalidSettings)
    }

    private func captions() -> HealthReport.Captions {
        switch sources.models.current() {
        case .loaded: return .on
        case .missing(let directory, _):
            if sources.models.status().state == .loading { return .loading }
            var isDirectory: ObjCBool = false
            // A directory that is there but did not load is a broken model; no directory is no model.
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
                let model = (directory as NSString).lastPathComponent
                switch sources.models.status().problemKind {
                case .loadCrashed: return .modelSkipped(model: model)
                case .tooLarge: return .modelTooLarge(model: model)
                default: return .modelFailed(model: model)
                }
            }
            return .noModel
        }
    }

    private func reading() -> HealthReport.Reading {
        switch sources.pipeline.reading {
        case .ready(let reader): return .on(languages: reader.language)
        case .off: return .off
        case .unavailable(let language, _): return .missingLanguage(language)
        }
    }

    /// The degraded states true now.
    private func degraded(_ health: HealthReport, _ s: State) -> Set<DegradedState> {
        var states = s.reported
        switch health.captions {
        case .noModel: states.insert(.noModel)
        case .modelFailed(let model): states.insert(.modelFailed(model: model))
        case .modelSkipped(let model): states.insert(.modelSkipped(model: model))
        case .modelTooLarge(let model): states.insert(.modelTooLarge(model: model))
        case .on, .loading: break
        }
        if case .missingLanguage(let language) = health.reading { states.insert(.ocrLanguageMissing(language: language)) }
        if health.camera == .notFound { states.insert(.cameraMissing) }
        for (folder, lost) in s.lostFolders where lost {
            states.insert(.watchFolderMissing(folder: (folder as NSString).lastPathComponent))
        }
        if s.journalFailing { states.insert(.journalUnwritable) }
        return states
    }

    // MARK: - Speaking

    /// Says the start-up sentence ("Ready." and each part, with what to do about a missing one),
    /// then any degraded state it does not cover (a missing watch folder, an unwritable journal).
    /// Called once, when the first model load has settled and before the first photo is described.
    func startup(invalidSettings: [String] = []) {
        queue.sync {
            let report = health(invalidSettings: invalidSettings)
            narrator.announce(report.startup)
            state.withLock { s in
                s.started = true
                // The start-up sentence has said these; they are said again only when they end.
                var said = Set<DegradedState>()
                switch report.captions {
                case .noModel: said.insert(.noModel)
                case .modelFailed(let model): said.insert(.modelFailed(model: model))
                case .modelSkipped(let model): said.insert(.modelSkipped(model: model))
                case .modelTooLarge(let model): said.insert(.modelTooLarge(model: model))
                case .on, .loading: break
                }
                if case .missingLanguage(let language) = report.reading { said.insert(.ocrLanguageMissing(language: language)) }
                if report.camera == .notFound { said.insert(.cameraMissing) }
                // The pipeline said this one where it happened.
                if s.journalFailing { said.insert(.journalUnwritable) }
                s.tracker = DegradedStateTracker(initial: said)
            }
            refreshOnQueue()
        }
        logInfo("announce", "start-up sentence queued")
    }

    /// A state only another service can see begins or ends: `.cameraFailing` and
    /// `.cameraMissing` from capture, `.inputDeviceLost` from the key source. Said once per change.
    /// `alreadySaid`: the service spoke the beginning itself (a capture error at the press that
    /// failed), so only the end is said here.
    func report(_ degraded: DegradedState, active: Bool, alreadySaid: Bool = false) {
        queue.async { [self] in
            let changed = state.withLock { s -> Bool in
                // A camera that works photo after photo (or fails each second in light mode)
                // changes nothing after the first report.
                guard active != s.reported.contains(degraded) else { return false }
                if active { s.reported.insert(degraded) } else { s.reported.remove(degraded) }
                if active, alreadySaid, s.started { _ = s.tracker.begin(degraded) }
                return true
            }
            if changed { refreshOnQueue() }
        }
    }

    /// Any of the daemon's own sentences (a capture error, the status), filtered by `announce`.
    @discardableResult
    func announce(_ messages: [Message]) -> UInt64? {
        narrator.announce(messages)
    }

    /// SIGTERM: says "Stopping." and waits, at most `timeout` seconds, until it has been spoken,
    /// so it is heard before speech shuts down. Later changes are not announced.
    func stopping(timeout: TimeInterval = 3) {
        queue.sync { state.withLock { $0.stopping = true } }
        guard narrator.announce([.stopping]) != nil else { return }
        if !narrator.waitIdle(timeout: timeout) {
            logWarning("announce", "speech did not finish before stopping", ["timeout_seconds": timeout])
        }
    }

    /// Events that may change what is degraded.
    func emit(_ event: Event) {
        switch event.kind {
        case .folderLost, .folderBack, .folderWatched:
            guard let folder = event.folder else { return }
            let lost = event.kind == .folderLost
            queue.async { [self] in
                state.withLock { $0.lostFolders[folder] = lost }
                refreshOnQueue()
            }
        case .journalFailed:
            // The pipeline says the beginning itself, at the photo that failed, so that it is
            // queued before the event reaches clients; here it only becomes known.
            queue.async { [self] in
                state.withLock { s in
                    s.journalFailing = true
                    if s.started { _ = s.tracker.begin(.journalUnwritable) }
                }
            }
        case .journalRecovered:
            queue.async { [self] in
                state.withLock { $0.journalFailing = false }
                refreshOnQueue()
            }
        case .modelLoaded, .modelFailed, .configReloaded:
            queue.async { [self] in refreshOnQueue() }
        default:
            return
        }
    }

    /// Says what changed since the last look. Runs on `queue`.
    private func refreshOnQueue() {
        let report = health()
        let changes = state.withLock { s -> [Message] in
            guard s.started, !s.stopping else { return [] }
            // A model still loading is neither on nor off: wait for it to settle.
            if report.captions == .loading { return [] }
            return s.tracker.update(degraded(report, s))
        }
        guard !changes.isEmpty else { return }
        logInfo("announce", "state changed", ["ids": changes.map(\.id.rawValue).joined(separator: ",")])
        // One utterance per change, so an `ended` (a message) never rides on an error.
        for change in changes { narrator.announce([change]) }
    }
}

import Devices
import Foundation
import IPC
import Messages
import PhotoAnalysis
import Speech
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The composition of `assistd run`: builds every service, starts them, shuts them down and
/// applies SIGHUP. The folder watcher and the router submit photos to one queue; the pipeline's
/// one worker describes, records and speaks them; the socket server runs on its own thread.
/// Everything is built in `init`, before any of these threads starts.
final class Daemon: Sendable {
    static let version = "0.1.0"

    private let flags: DaemonConfig.Flags
    private let config: Locked<DaemonConfig>
    private let queue: JobQueue
    private let events: EventHub
    private let models: ModelLoader
    private let narrator: Narrator
    private let history: CaptionHistory
    private let pipeline: PhotoPipeline
    private let router: RequestRouter
    private let watcher: FolderWatcher
    private let server: SocketServer
    private let announcer: Announcer
    private let reader: DocumentReader
    private let products: ProductImportService
    private let privacy: PrivacyKeeper
    private let workerDone = DispatchSemaphore(value: 0)
    /// Held until the process exits: one daemon per state directory.
    private let lock: InstanceLock
    // MARK: - keys
    private let capture: CaptureService
    private let keys: KeyService?
    private let progress: AudibleProgress
    private let lightTone: LightToneLoop

    init(config c: DaemonConfig, flags: DaemonConfig.Flags) throws {
        self.flags = flags
        config = Locked(c)
        PhotoMemory.apply(photoMemory: c.bounds.photoMemory)
        try FileSystem.makeDirectory(c.stateDir, mode: 0o700)
        lock = try InstanceLock(directory: c.stateDir)
        let journal = try Journal(directory: c.stateDir, maxBytes: c.bounds.journalMaxBytes, retentionDays: c.bounds.retentionDays,
                                  watched: c.watch)
        logInfo("assistd", "starting", ["version": Daemon.version, "state_dir": c.stateDir, "journal": journal.path])
        let queue = JobQueue(maxRequests: c.maxQueue, maxQueuedBytes: c.bounds.maxQueuedBytes)
        let events = EventHub()
        let voiceStore = VoiceStore(stateDirectory: c.stateDir)
        let voice = voiceStore.load(default: c.voice)
        let history = CaptionHistory(capacity: c.historySize)
        for r in journal.recentCaptions(limit: c.historySize) {
            history.add(HistoryEntry(time: r.time, photo: r.photo.name, text: r.message ?? r.caption ?? "", description: r.description?.info))
        }
        // MARK: - bounds
        let privacy = PrivacyKeeper(journal: journal, history: history, retentionDays: c.bounds.retentionDays,
                                    captureDirectory: c.capturesDirectory)
        let models = ModelLoader(source: Daemon.modelSource(c), events: events, stateDirectory: c.stateDir)
        // The output chosen with `assist voice --output` wins over the config's, as the voice does.
        let sink = OutputSwitch.sink(configured: c.speech, saved: voiceStore.loadOutput())
        narrator = Narrator(sinkName: sink.description, events: events) { onEvent in
            // A fresh `assistd speech-worker` process per utterance makes each one sample-identical
            // to `espeak-ng -w` (docs/speech.md); /proc/self/exe is this binary even after an upgrade.
            let worker = WorkerCommand(executable: "/proc/self/exe", arguments: ["speech-worker"],
                                       environment: ["OPENBLAS_NUM_THREADS": "1"])
            let s = try Speaker(sink: sink, voice: voice, options: SpeakerOptions(paceWavInRealTime: c.wavRealTime, worker: worker), onEvent: onEvent)
            let health = s.health
            if health.ok {
                logInfo("speech", "speech ready", ["sink": health.sink])
            } else {
                logWarning("speech", "speech is not working; captions are still made and recorded", ["sink": health.sink, "detail": health.detail])
            }
            return s
        }
        narrator.configure(language: c.language, announce: c.announce)
        let reader = DocumentReader(narrator: narrator, events: events, language: c.language)
        let products = try ProductImportService(stateDirectory: c.stateDir, narrator: narrator, events: events, language: c.language)
        let intake = PhotoIntake(queue: queue, journal: journal, events: events)
        let modeDescriber = ModeDescriber(modes: ModeStore(stateDirectory: c.stateDir, language: c.language),
                                          stateDirectory: c.stateDir, language: c.language)
        watcher = FolderWatcher(folders: c.watch, rescanInterval: c.rescanInterval, onFile: { intake.fileFound($0) },
                                onChange: { Daemon.announce($0, to: events) })
        pipeline = PhotoPipeline(journal: journal, queue: queue, models: models, reading: ReadingState.load(language: c.ocrLanguage),
                                 settings: PhotoPipeline.Settings(c), narrator: narrator, events: events, history: history,
                                 sources: [watcher], reader: reader, modeDescriber: modeDescriber)
        // The announcer hears the camera and the key devices through these, set once it exists.
        let announcerBox = Locked<Announcer?>(nil)
        let capture = CaptureService(settings: CaptureService.Settings(c), intake: intake, narrator: narrator) { error in
            // The capture error itself was just said; the announcer says when the camera works again.
            announcerBox.withLock { $0 }?.report(.cameraFailing, active: error != nil, alreadySaid: true)
        }
        let speech = narrator
        let lightTone = LightToneLoop(modes: modeDescriber.modes, capture: {
            // The loop only logs a failed frame; the camera failing is said once through the
            // announcer, and its end when a frame works again.
            do {
                let frame = try capture.takeFrame()
                announcerBox.withLock { $0 }?.report(.cameraFailing, active: false)
                return frame
            } catch {
                announcerBox.withLock { $0 }?.report(.cameraFailing, active: true)
                throw error
            }
        }, play: { speech.play($0) })
        let router = RequestRouter(intake: intake, pipeline: pipeline, models: models, narrator: narrator, history: history,
                                   voiceStore: voiceStore, voice: voice, events: events,
                                   settings: RequestRouter.Settings(watching: c.watch, verbosity: c.verbosity),
                                   outputSwitch: OutputSwitch(narrator: narrator, store: voiceStore, sink: c.speech), reader: reader,
                                   capture: capture, modeDescriber: modeDescriber, lightTone: lightTone,
                                   privacy: privacy)
        progress = AudibleProgress(narrator: narrator)
        events.add(progress)
        self.lightTone = lightTone
        let keys = c.inputDevices.map { devices in
            KeyService(settings: KeyService.Settings(devices: devices, grab: c.inputGrab, timing: c.pressTiming, keyMap: c.keyMap),
                       narrator: speech, router: router, capture: capture, reader: reader,
                       modes: modeDescriber.modes, lightTone: lightTone, statusMessages: {
                // `status` is answered inline, on this thread; the health is the start-up sentence's.
                let info = Locked<StatusInfo?>(nil)
                router.handle(Request(id: 0, .status), photo: nil) { r in if case .status(let s) = r { info.withLock { $0 = s } } }
                guard let s = info.withLock({ $0 }), let announcer = announcerBox.withLock({ $0 }) else { return [] }
                return announcer.health().status(photosWaiting: s.queueLength, rate: s.voice.rate, volume: s.voice.volume)
            }, onDeviceChange: { change in
                let lost: Bool
                if case .lost = change { lost = true } else { lost = false }
                announcerBox.withLock { $0 }?.report(.inputDeviceLost, active: lost)
            })
        }
        self.keys = keys
        self.capture = capture
        // A camera is expected where something takes photos: keys, or a capture command set by
        // hand; otherwise a missing one is not mentioned.
        let cameraExpected = c.inputDevices != nil || c.captureCommand != nil
        let announcer = Announcer(narrator: narrator, sources: Announcer.Sources(
            models: models, pipeline: pipeline,
            camera: { capture.cameraFound ? .found : cameraExpected ? .notFound : .notUsed },
            keys: { keys.map { $0.devicesOpen ? .found : .notFound } ?? .notUsed }))
        announcerBox.withLock { $0 = announcer }
        self.announcer = announcer
        events.add(announcer)
        server = try SocketServer(path: c.socket, group: try Daemon.resolveGroup(c.socketGroup), limits: Daemon.serverLimits(c),
                                  events: events, fileHandler: { request, fd, reply in products.handle(request, descriptor: fd, reply: reply) }) {
            request, photo, reply in router.handle(request, photo: photo, reply: reply)
        }
        events.add(server)
        self.queue = queue
        self.events = events
        self.models = models
        self.router = router
        self.reader = reader
        self.products = products
        self.history = history
        self.privacy = privacy
        narrator.maxSayQueue = c.bounds.maxSayQueue
    }

    // MARK: - Lifecycle

    /// Binds the socket first (another daemon on it stops this one before it touches a photo),
    /// then starts the worker and the watcher, and serves the socket last: a client that gets an
    /// answer finds the folders watched.
    func start() throws {
        let c = config.withLock { $0 }
        try server.bind()
        // The first load runs beside the watcher's start; the worker waits for it, so no photo
        // is described without the model that is installed.
        models.check(force: true)
        logReading(pipeline.reading)
        // Before the worker: photos a previous run took but did not describe are queued first.
        do { try capture.start() } catch {
            logError("capture", "cannot prepare the capture directory; photos cannot be taken",
                     ["directory": capture.settings.directory, "reason": "\(error)"])
        }
        // Before the worker too, so the start-up sentence knows whether a key device is there.
        if let keys {
            do { try keys.start() } catch { logError("keys", "key presses are not read", ["reason": "\(error)"]) }
        }
        let worker = Thread { [models, pipeline, workerDone, announcer] in
            models.waitForLoads()
            // Before the first photo, so the person hears what works before any description.
            announcer.startup()
            pipeline.work()
            workerDone.signal()
        }
        worker.name = "worker"
        worker.start()
        try watcher.start()
        models.startWatching()
        privacy.start()
        if c.watch.isEmpty { logInfo("watcher", "no folders to watch; only the socket takes photos") }
        server.serve()
        logInfo("assistd", "ready", ["socket": c.socket, "watch": c.watch.joined(separator: ","), "speech": c.speech.description])
    }

    /// Stops taking work, lets the current job finish for up to `grace` seconds, then returns.
    /// A job cut off by the deadline stays `claimed` in the journal and is redone on next start;
    /// nothing half-done is recorded, so the journal stays consistent either way.
    func shutdown(grace: Double) {
        logInfo("assistd", "stopping")
        announcer.stopping(timeout: 3)
        watcher.stop()
        keys?.stop()
        lightTone.stop()
        capture.stop()
        models.stopWatching()
        models.stopping()
        privacy.stop()
        for job in queue.close() { job.completion?(.cancelled) }
        if workerDone.wait(timeout: .now() + grace) == .timedOut {
            logWarning("assistd", "current job did not finish in time; it will be redone on next start", ["grace_seconds": grace])
        }
        server.stop()
        progress.stop()
        narrator.shutdown()
        logInfo("assistd", "stopped")
    }

    /// SIGHUP: re-read the config files with the same flags. Watch folders, limits, alt text,
    /// log level and the model are applied live; the socket and state directory need a restart.
    func reload() {
        let new: DaemonConfig
        do { new = try DaemonConfig.load(flags: flags) } catch {
            logError("assistd", "reload failed; keeping the old config", ["reason": "\(error)"])
            events.emit(.configReloaded, error: "\(error)")
            return
        }
        let old = config.withLock { $0 }
        Log.shared.level = new.logLevel
        narrator.configure(language: new.language, announce: new.announce)
        if new.socket != old.socket || new.stateDir != old.stateDir || new.socketGroup != old.socketGroup || new.speech != old.speech {
            logWarning("assistd", "socket, socket_group, state_dir and speech changes take effect after a restart")
        }
        var applied = new
        applied.socket = old.socket; applied.stateDir = old.stateDir; applied.socketGroup = old.socketGroup; applied.speech = old.speech
        config.withLock { $0 = applied }
        history.resize(to: applied.historySize)
        reader.update(language: applied.language)
        products.update(language: applied.language)
        router.modeDescriber?.update(language: applied.language)
        if new.ocrLanguage != old.ocrLanguage || pipeline.reading.reader == nil {
            let r = ReadingState.load(language: new.ocrLanguage)
            pipeline.update(reading: r)
            logReading(r)
        }
        pipeline.update(settings: PhotoPipeline.Settings(applied))
        router.update(settings: RequestRouter.Settings(watching: applied.watch, verbosity: applied.verbosity))
        queue.maxRequests = applied.maxQueue
        queue.maxQueuedBytes = applied.bounds.maxQueuedBytes
        PhotoMemory.apply(photoMemory: applied.bounds.photoMemory)
        narrator.maxSayQueue = applied.bounds.maxSayQueue
        privacy.update(retentionDays: applied.bounds.retentionDays, captureDirectory: applied.capturesDirectory)
        server.update(limits: Daemon.serverLimits(applied))
        watcher.update(folders: applied.watch, rescanInterval: applied.rescanInterval)
        // The new model loads beside the worker, which keeps the old one until it is ready.
        models.update(source: Daemon.modelSource(applied))
        logInfo("assistd", "config reloaded", ["watch": applied.watch.joined(separator: ","), "model": applied.model,
                                               "models_dir": applied.modelsDir, "verbosity": applied.verbosity.configName])
        events.emit(.configReloaded)
    }

    static func modelSource(_ c: DaemonConfig) -> ModelLoader.Source {
        ModelLoader.Source(explicit: c.model, modelsDirectory: c.modelsDir)
    }

    /// The watcher's changes as events, so clients (and tests) need not read the log.
    private static func announce(_ change: FolderWatcher.Change, to events: EventHub) {
        switch change {
        case .watching(let folder): events.emit(.folderWatched, folder: folder)
        case .lost(let folder, let why): events.emit(.folderLost, error: why, folder: folder)
        case .back(let folder): events.emit(.folderBack, folder: folder)
        case .overflow: events.emit(.folderOverflow)
        }
    }

    private func logReading(_ r: ReadingState) {
        switch r {
        case .ready(let reader):
            logInfo("text", "text reading available", ["language": reader.language, "data": reader.dataPath])
        case .off:
            logInfo("text", "text reading is turned off (ocr_language = none)")
        case .unavailable(let language, let problem):
            logWarning("text", "text reading is not available; photos are described without their text",
                       ["language": language, "problem": problem])
        }
    }

    static func serverLimits(_ c: DaemonConfig) -> SocketServer.Limits {
        SocketServer.Limits(maxConnections: c.maxConnections,
                            frame: FrameLimits(maxJSONBytes: c.maxRequestBytes, maxAttachmentBytes: c.maxPhotoBytes),
                            maxPhotoBytes: c.maxPhotoBytes, clientTimeout: c.clientTimeout, idleTimeout: c.idleTimeout,
                            maxListeners: c.bounds.maxListeners)
    }

    static func resolveGroup(_ name: String?) throws -> gid_t? {
        guard let name else { return nil }
        if let n = UInt32(name) { return n }
        var gr = group()
        var result: UnsafeMutablePointer<group>?
        var buf = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &gr, &buf, buf.count, &result) == 0, result != nil else {
            throw ConfigError.badValue(source: "config", key: "socket_group", value: name, expected: "an existing group name or a gid")
        }
        return gr.gr_gid
    }
}

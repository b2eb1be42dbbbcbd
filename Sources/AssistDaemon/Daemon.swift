import Foundation
import IPC
import PhotoAnalysis
import Speech
import Vision
#if canImport(Glibc)
import Glibc
#endif

/// The composition of `assistd run`: folder watcher and socket feed one job queue; one worker
/// describes each photo (quality, caption, text; see `PhotoDescriber`), records it in the
/// journal, then speaks it. The socket server runs on its own threads, so a long description
/// never delays `status`, `stop` or `say`.
final class Daemon: @unchecked Sendable {
    static let version = "0.1.0"

    private let lock = NSLock()
    private var config: DaemonConfig
    /// The captioning model, reloaded live when the selection changes.
    private let models: ModelLoader
    private var reading: ReadingState
    private var history: CaptionHistory
    private var voice: VoiceSettings
    private var spokenTexts: [UInt64: String] = [:]
    private var journalTrouble: String?
    private var speaker: Speaker?
    /// Why speech could not be started, for `status`.
    private var speakerProblem: String?
    private let started = Date()
    private let flags: DaemonConfig.Flags

    let journal: Journal
    let queue: JobQueue
    private let voiceStore: VoiceStore
    private var watcher: FolderWatcher!
    private var server: SocketServer!
    private let workerDone = DispatchSemaphore(value: 0)

    init(config: DaemonConfig, flags: DaemonConfig.Flags) throws {
        self.config = config
        self.flags = flags
        try DurableFile.makeDirectory(config.stateDir, mode: 0o700)
        journal = try Journal(directory: config.stateDir)
        queue = JobQueue(maxRequests: config.maxQueue)
        voiceStore = VoiceStore(stateDirectory: config.stateDir)
        voice = voiceStore.load(default: config.voice)
        history = CaptionHistory(capacity: config.historySize)
        for r in journal.recentCaptions(limit: config.historySize) {
            history.add(HistoryEntry(time: r.time, photo: r.photo.name, text: r.message ?? r.caption ?? "", description: r.description))
        }
        models = ModelLoader(source: Daemon.modelSource(config))
        reading = ReadingState.load(language: config.ocrLanguage)
    }

    // MARK: - Lifecycle

    func start() throws {
        let c = lock.withLock { config }
        logInfo("assistd", "starting", ["version": Daemon.version, "state_dir": c.stateDir, "journal": journal.path])
        // The first load runs beside the socket's start; the worker waits for it, so no photo is
        // described without the model that is installed.
        models.check(force: true)
        logReading()
        do {
            // A fresh `assistd speech-worker` process per utterance makes each one sample-identical
            // to `espeak-ng -w` (docs/speech.md); /proc/self/exe is this binary even after an upgrade.
            let worker = WorkerCommand(executable: "/proc/self/exe", arguments: ["speech-worker"],
                                       environment: ["OPENBLAS_NUM_THREADS": "1"])
            let s = try Speaker(sink: c.speech, voice: voice, options: SpeakerOptions(worker: worker)) {
                [weak self] event in self?.speechEvent(event)
            }
            let health = s.health
            if health.ok {
                logInfo("speech", "speech ready", ["sink": health.sink])
            } else {
                logWarning("speech", "speech is not working; captions are still made and recorded", ["sink": health.sink, "detail": health.detail])
            }
            lock.withLock { speaker = s }
        } catch {
            // Silence is better than no daemon: captions are still made, recorded and returned.
            logError("speech", "cannot start speech; running without it", ["sink": c.speech.description, "reason": "\(error)"])
            lock.withLock { speakerProblem = "\(error)" }
        }

        server = SocketServer(path: c.socket, group: try Daemon.resolveGroup(c.socketGroup), limits: Daemon.serverLimits(c)) {
            [weak self] request, photo, reply in
            guard let self else { return reply(.failure(RemoteError(.shuttingDown, "assistd is stopping"))) }
            self.handle(request, photo: photo, reply: reply)
        }
        try server.start()

        let worker = Thread { [self] in
            models.waitForLoads()
            while let job = queue.next() { run(job) }
            workerDone.signal()
        }
        worker.name = "worker"
        worker.start()

        watcher = FolderWatcher(folders: c.watch, rescanInterval: c.rescanInterval) { [weak self] path in
            self?.found(path)
        }
        try watcher.start()
        models.startWatching()
        if c.watch.isEmpty { logInfo("watcher", "no folders to watch; only the socket takes photos") }
        logInfo("assistd", "ready", ["socket": c.socket, "watch": c.watch.joined(separator: ","), "speech": c.speech.description])
    }

    /// Stops taking work, lets the current job finish for up to `grace` seconds, then returns.
    /// A job cut off by the deadline stays `claimed` in the journal and is redone on next start;
    /// nothing half-done is recorded, so the journal stays consistent either way.
    func shutdown(grace: Double) {
        logInfo("assistd", "stopping")
        watcher?.stop()
        models.stopWatching()
        for job in queue.close() { job.reply(.failure(RemoteError(.shuttingDown, "assistd is stopping"))) }
        if workerDone.wait(timeout: .now() + grace) == .timedOut {
            logWarning("assistd", "current job did not finish in time; it will be redone on next start", ["grace_seconds": grace])
        }
        server?.stop()
        lock.withLock { speaker }?.shutdown()
        logInfo("assistd", "stopped")
    }

    /// SIGHUP: re-read the config files with the same flags. Watch folders, limits, alt text,
    /// log level and the model are applied live; the socket and state directory need a restart.
    func reload() {
        let new: DaemonConfig
        do { new = try DaemonConfig.load(flags: flags) } catch {
            logError("assistd", "reload failed; keeping the old config", ["reason": "\(error)"])
            return
        }
        let old = lock.withLock { config }
        Log.shared.level = new.logLevel
        if new.socket != old.socket || new.stateDir != old.stateDir || new.socketGroup != old.socketGroup || new.speech != old.speech {
            logWarning("assistd", "socket, socket_group, state_dir and speech changes take effect after a restart")
        }
        var applied = new
        applied.socket = old.socket; applied.stateDir = old.stateDir; applied.socketGroup = old.socketGroup; applied.speech = old.speech
        lock.withLock {
            config = applied
            history = history.resized(to: applied.historySize)
        }
        if new.ocrLanguage != old.ocrLanguage || lock.withLock({ reading.reader == nil }) {
            // A reader in use keeps working until its photo is done; the next photo takes the new one.
            let r = ReadingState.load(language: new.ocrLanguage)
            lock.withLock { reading = r }
            logReading()
        }
        queue.maxRequests = applied.maxQueue
        server.update(limits: Daemon.serverLimits(applied))
        watcher.update(folders: applied.watch, rescanInterval: applied.rescanInterval)
        // The new model loads beside the worker, which keeps the old one until it is ready.
        models.update(source: Daemon.modelSource(applied))
        logInfo("assistd", "config reloaded", ["watch": applied.watch.joined(separator: ","), "model": applied.model,
                                               "models_dir": applied.modelsDir, "verbosity": applied.verbosity.configName])
    }

    static func modelSource(_ c: DaemonConfig) -> ModelLoader.Source {
        ModelLoader.Source(explicit: c.model, modelsDirectory: c.modelsDir)
    }

    private func logReading() {
        let r = lock.withLock { reading }
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
                            maxPhotoBytes: c.maxPhotoBytes, clientTimeout: c.clientTimeout, idleTimeout: c.idleTimeout)
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

    // MARK: - Photos from folders

    /// Called by the watcher; drops photos the journal already has before they reach the queue.
    private func found(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        if let r = journal.record(for: PhotoIdentity(path: path, stat: st)), r.state != .claimed { return }
        if queue.addPhoto(path) { logDebug("watcher", "queued photo", ["path": path]) }
    }

    private func run(_ job: Job) {
        // A changed selection starts loading now; this photo is described with the model in use.
        models.check()
        switch job {
        case .photo(let path):
            processPhoto(path)
        case .request(let r):
            processRequest(r)
        }
    }

    private func processPhoto(_ path: String) {
        let c = lock.withLock { config }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e != ENOENT { logWarning("worker", "cannot open photo; skipping", ["path": path, "reason": String(cString: strerror(e))]) }
            return
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            logInfo("worker", "not a regular file; skipping", ["path": path])
            return
        }
        let photo = PhotoIdentity(path: path, stat: st)
        let previous = journal.record(for: photo)
        if let previous, previous.state != .claimed {
            logDebug("worker", "already recorded; skipping", ["path": path, "state": previous.state.rawValue])
            return
        }
        let name = photo.name
        emit(Event(kind: .photoReceived, time: Date().timeIntervalSince1970, photo: name))
        if let previous, previous.attempt >= c.maxAttempts {
            fail(photo, detail: "photo \(name) was abandoned after \(previous.attempt) attempts that never finished (the daemon stopped or crashed each time)",
                 spoken: ["I could not read photo \(name)."])
            return
        }
        if st.st_size > c.maxPhotoBytes {
            fail(photo, detail: "photo \(name) is \(st.st_size) bytes, larger than the limit of \(c.maxPhotoBytes) bytes (max_photo_bytes)",
                 spoken: ["Photo \(name) is too large for me to read."])
            return
        }
        let attempt: Int
        do { attempt = try journal.claim(photo) } catch {
            journalFailed(error, photo: name)
            return
        }
        logInfo("worker", "photo claimed", ["path": path, "attempt": attempt, "size": st.st_size])
        guard let data = Descriptors.readAll(fd, size: Int(st.st_size)) else {
            fail(photo, detail: "cannot read photo \(name): \(String(cString: strerror(errno)))", spoken: ["I could not read photo \(name)."])
            return
        }
        let m = models.current()
        let r = lock.withLock { reading }
        let description = PhotoDescriber.describe(data, name: name, model: m, reading: r, verbosity: c.verbosity,
                                                  overrides: GenerationOverrides())
        switch description.outcome {
        case .failed(let detail, let spoken):
            fail(photo, detail: detail, spoken: [spoken])
        case .described(let d):
            // Before the record, so a photo recorded as done has its alt text (a crash in
            // between only rewrites the same file when the photo is redone).
            if c.altText, let alt = Daemon.altText(d) { writeAltText(alt, beside: path) }
            do { try journal.finish(photo, description: d) } catch {
                journalFailed(error, photo: name)
                return
            }
            journalRecovered()
            logDescribed(d, photo: path, request: false)
            remember(d, photo: name)
            emit(Event(kind: .captioned, time: Date().timeIntervalSince1970, photo: name, text: d.message, description: d))
            speak([d.message], kind: .caption)
        }
    }

    private func logDescribed(_ d: DescriptionInfo, photo: String, request: Bool) {
        let problems = d.quality?.problems.map(\.kind).joined(separator: ",")
        logInfo("worker", request ? "request described" : "photo described",
                [request ? "photo" : "path": photo, "message": d.message, "caption": d.caption?.text,
                 "quality": problems?.isEmpty == false ? problems : nil, "text_lines": d.text?.lines.count,
                 "ms": Int(d.timings.total)])
    }

    /// What `PHOTO.txt` says: the message without the advice about taking the photo again, and
    /// nothing when the photo showed neither a caption nor text.
    static func altText(_ d: DescriptionInfo) -> String? {
        guard d.caption != nil || !(d.text?.lines.isEmpty ?? true) else { return nil }
        var text = d.message
        if let warning = d.quality?.warning, text.hasPrefix(warning) {
            text = String(text.dropFirst(warning.count)).trimmingCharacters(in: .whitespaces)
        }
        return text.isEmpty ? nil : text
    }

    /// Records a failed photo, then speaks the short form (the journal keeps the detail).
    private func fail(_ photo: PhotoIdentity, detail: String, spoken: [String]) {
        do { try journal.fail(photo, error: detail) } catch {
            journalFailed(error, photo: photo.name)
            return
        }
        journalRecovered()
        logWarning("worker", "photo failed", ["path": photo.path, "error": detail])
        emit(Event(kind: .failed, time: Date().timeIntervalSince1970, photo: photo.name, error: detail))
        speak(spoken, kind: .error)
    }

    /// The journal cannot be written (disk full, EIO): the photo stays unrecorded, so the next
    /// scan finds it again; the person hears about it once, not once per photo.
    private func journalFailed(_ error: Error, photo: String) {
        let first = lock.withLock { () -> Bool in
            defer { journalTrouble = "\(error)" }
            return journalTrouble == nil
        }
        logError("journal", "cannot record photo; it stays pending", ["photo": photo, "reason": "\(error)"])
        watcher?.rescan(after: Daemon.journalRetrySeconds)
        if first { speak(["I cannot save my records, so photos are waiting. The disk may be full."], kind: .error) }
    }

    /// How soon a photo that could not be recorded is tried again (by a scan of its folder).
    static let journalRetrySeconds = 5.0

    private func journalRecovered() {
        let was = lock.withLock { () -> String? in defer { journalTrouble = nil }; return journalTrouble }
        if was != nil { logInfo("journal", "recording works again") }
    }

    /// `PHOTO.txt` beside the photo (kitchen.jpg -> kitchen.jpg.txt); the watcher ignores `.txt`.
    private func writeAltText(_ text: String, beside path: String) {
        do { try DurableFile.write(Data((text + "\n").utf8), to: path + ".txt", mode: 0o644) } catch {
            logWarning("worker", "cannot write alt text", ["path": path + ".txt", "reason": "\(error)"])
        }
    }

    // MARK: - Socket requests

    private func handle(_ request: Request, photo: Data?, reply: @escaping @Sendable (ResponseBody) -> Void) {
        switch request.body {
        case .caption(let cr):
            let name = cr.name.map { ($0 as NSString).lastPathComponent } ?? "from the client"
            let job = SocketJob(data: photo ?? Data(), name: name, speak: cr.speak,
                                overrides: GenerationOverrides(numBeams: cr.numBeams, maxLength: cr.maxLength, maxNewTokens: cr.maxNewTokens),
                                reply: reply)
            // Announced before queueing so listeners never see the result before the arrival.
            emit(Event(kind: .photoReceived, time: Date().timeIntervalSince1970, photo: name))
            guard queue.addRequest(job) else {
                let busy = RemoteError(.busy, "assistd has \(queue.maxRequests) caption requests waiting; try again later")
                emit(Event(kind: .failed, time: Date().timeIntervalSince1970, photo: name, error: busy.message))
                return reply(.failure(busy))
            }
        case .status:
            reply(.status(status()))
        case .say(let text):
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { return reply(.failure(RemoteError(.badRequest, "say needs some text"))) }
            let id = speak([trimmed], kind: .message)
            reply(.said(utterance: id))
        case .stop:
            lock.withLock { speaker }?.stop()
            logInfo("speech", "stopped by client")
            reply(.stopped)
        case .repeatLast:
            guard let last = lock.withLock({ history.last }) else {
                return reply(.failure(RemoteError(.nothingToRepeat, "There is no caption to repeat yet: no photo has been described.")))
            }
            speak([last.text], kind: .caption)
            reply(.repeated(text: last.text))
        case .history(let limit):
            guard limit >= 0 else { return reply(.failure(RemoteError(.badRequest, "history limit \(limit) is negative"))) }
            reply(.history(lock.withLock { history.newest(limit) }))
        case .voice(let change):
            reply(changeVoice(change))
        case .events:
            reply(.subscribed)
        case .reloadModel:
            models.reloadRequested()
            reply(.modelReload(models.status()))
        }
    }

    private func processRequest(_ job: SocketJob) {
        let m = models.current()
        let (c, r) = lock.withLock { (config, reading) }
        let description = PhotoDescriber.describe(job.data, name: job.name, model: m, reading: r, verbosity: c.verbosity,
                                                  overrides: job.overrides)
        switch description.outcome {
        case .failed(let detail, let spoken):
            logWarning("worker", "request failed", ["photo": job.name, "error": detail])
            emit(Event(kind: .failed, time: Date().timeIntervalSince1970, photo: job.name, error: detail))
            if job.speak { speak([spoken], kind: .error) }
            job.reply(.failure(RemoteError(.photoInvalid, detail)))
        case .described(let d):
            logDescribed(d, photo: job.name, request: true)
            remember(d, photo: job.name)
            emit(Event(kind: .captioned, time: Date().timeIntervalSince1970, photo: job.name, text: d.message, description: d))
            if job.speak { speak([d.message], kind: .caption) }
            let t = d.caption?.timings ?? Timings(decode: 0, encode: 0, generate: 0)
            job.reply(.caption(CaptionResult(text: d.message, tokens: d.caption?.tokens ?? [], timings: t,
                                             spoken: job.speak, description: d)))
        }
    }

    private func changeVoice(_ change: VoiceChange) -> ResponseBody {
        let current = lock.withLock { voice }
        guard !change.isEmpty else { return .voice(Daemon.info(current)) }
        let new: VoiceSettings
        do {
            new = try VoiceStore.applying(change, to: current)
            try lock.withLock { speaker }?.setVoice(new)
        } catch {
            return .failure(RemoteError(.voiceInvalid, "\(error)"))
        }
        lock.withLock { voice = new }
        do { try voiceStore.save(new) } catch {
            logError("voice", "voice changed but cannot be saved", ["path": voiceStore.path, "reason": "\(error)"])
            return .failure(RemoteError(.internal, "the voice changed now but could not be saved for the next start: \(error)"))
        }
        logInfo("voice", "voice changed", ["rate": new.rate, "pitch": new.pitch, "volume": new.volume, "voice": new.voice])
        return .voice(Daemon.info(new))
    }

    static func info(_ v: VoiceSettings) -> IPC.VoiceInfo {
        IPC.VoiceInfo(rate: v.rate, pitch: v.pitch, volume: v.volume, voice: v.voice)
    }

    private func status() -> StatusInfo {
        models.check()
        let (c, v, s, problem, r, records) = lock.withLock { (config, voice, speaker, speakerProblem, reading, journalTrouble) }
        let health = s?.health ?? SpeechHealth(sink: c.speech.description, ok: false, detail: problem ?? "speech not started")
        return StatusInfo(version: Daemon.version, protocolVersion: ProtocolVersion.current,
                          uptimeSeconds: Date().timeIntervalSince(started),
                          model: models.status(),
                          queueLength: queue.count,
                          speech: SpeechStatus(sink: health.sink, ok: health.ok, detail: health.detail, queueLength: s?.queueLength ?? 0),
                          voice: Daemon.info(v), watching: c.watch, reading: r.status, verbosity: c.verbosity.configName,
                          journalProblem: records)
    }

    // MARK: - Speech and events

    @discardableResult
    private func speak(_ parts: [String], kind: UtteranceKind) -> UInt64 {
        guard let s = lock.withLock({ speaker }) else { return 0 }
        let text = parts.joined(separator: " ")
        let id = s.enqueue(text, kind: kind)
        lock.withLock { spokenTexts[id] = text }
        logInfo("speech", "queued", ["utterance": id, "kind": kind.rawValue, "text": text])
        return id
    }

    private func speechEvent(_ event: SpeechEvent) {
        switch event {
        case .started(let id, _):
            logDebug("speech", "speaking", ["utterance": id])
        case .finished(let id, let file):
            let text = lock.withLock { spokenTexts.removeValue(forKey: id) }
            logInfo("speech", "spoken", ["utterance": id, "file": file])
            emit(Event(kind: .spoken, time: Date().timeIntervalSince1970, text: text))
        case .stopped(let id):
            lock.withLock { _ = spokenTexts.removeValue(forKey: id) }
            logInfo("speech", "stopped", ["utterance": id])
        case .superseded(let id):
            lock.withLock { _ = spokenTexts.removeValue(forKey: id) }
            logInfo("speech", "superseded by a newer caption", ["utterance": id])
        case .failed(let id, let reason):
            lock.withLock { _ = spokenTexts.removeValue(forKey: id) }
            logWarning("speech", "utterance failed", ["utterance": id, "reason": reason])
        }
    }

    private func remember(_ d: DescriptionInfo, photo: String) {
        lock.withLock { history.add(HistoryEntry(time: Date().timeIntervalSince1970, photo: photo, text: d.message, description: d)) }
    }

    private func emit(_ event: Event) {
        server?.broadcast(event)
    }
}

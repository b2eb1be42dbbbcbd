import Foundation
import IPC
import Messages
import PhotoAnalysis
import Speech
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// What happens to each photo, on the one worker thread: claim it in the journal, describe it
/// (quality, caption, text; see `PhotoDescriber`), write its alt text, record the result, then
/// speak it; and when the journal cannot be written, say so once and leave the photo pending.
final class PhotoPipeline: Sendable {
    /// The settings SIGHUP may change.
    struct Settings: Sendable {
        var maxAttempts: Int
        var maxPhotoBytes: Int
        var altText: Bool
        var verbosity: Verbosity
    }

    private struct State {
        var settings: Settings
        var reading: ReadingState
        /// Why the journal could not be written, until a write works again.
        var journalTrouble: String?
    }

    /// How soon a photo that could not be recorded is tried again (by a scan of its folder).
    static let journalRetrySeconds = 5.0

    let journal: Journal
    let queue: JobQueue
    private let models: any ModelProvider
    private let narrator: Narrator
    private let events: EventHub
    private let history: CaptionHistory
    private let sources: [any PhotoSource]
    /// Reads descriptions aloud so that the reading controls can act on them; without one
    /// (in-process tests) the narrator says them.
    private let reader: DocumentReader?
    /// Describes photos in the current mode; nil: today's description only.
    private let modeDescriber: ModeDescriber?
    private let state: Locked<State>

    init(journal: Journal, queue: JobQueue, models: any ModelProvider, reading: ReadingState, settings: Settings,
         narrator: Narrator, events: EventHub, history: CaptionHistory, sources: [any PhotoSource], reader: DocumentReader? = nil,
         modeDescriber: ModeDescriber? = nil) {
        self.reader = reader
        self.modeDescriber = modeDescriber
        self.journal = journal
        self.queue = queue
        self.models = models
        self.narrator = narrator
        self.events = events
        self.history = history
        self.sources = sources
        state = Locked(State(settings: settings, reading: reading))
    }

    /// Takes jobs until the queue is closed.
    func work() {
        while let job = queue.next() { process(job) }
    }

    func update(settings: Settings) {
        state.withLock { $0.settings = settings }
    }

    /// A reader in use keeps working until its photo is done; the next photo takes the new one.
    func update(reading: ReadingState) {
        state.withLock { $0.reading = reading }
    }

    var reading: ReadingState { state.withLock { $0.reading } }

    /// Why photos cannot be recorded now, for `status`.
    var journalProblem: String? { state.withLock { $0.journalTrouble } }

    /// Describes one job and hands its outcome to the job's completion.
    func process(_ job: PhotoJob) {
        let outcome: PhotoOutcome
        switch job.input {
        case .file(let path): outcome = processFile(path, job)
        case .bytes(let data, let name): outcome = processBytes(data, name: name, job)
        case .descriptor(let held, let name): outcome = processDescriptor(held, name: name, job)
        }
        job.completion?(outcome)
    }

    // MARK: - Files

    private func processFile(_ path: String, _ job: PhotoJob) -> PhotoOutcome {
        let outcome = describeFile(path, job)
        if case .skipped(let reason) = outcome {
            events.emit(.photoSkipped, photo: (path as NSString).lastPathComponent, error: reason, path: path)
        }
        return outcome
    }

    private func describeFile(_ path: String, _ job: PhotoJob) -> PhotoOutcome {
        let c = state.withLock { $0.settings }
        let fd = FileName.withCPath(path) { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            let e = errno
            let reason = String(cString: strerror(e))
            if e != ENOENT { logWarning("worker", "cannot open photo; skipping", ["path": path, "reason": reason]) }
            return .skipped(reason: "cannot open \(path): \(reason)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            logInfo("worker", "not a regular file; skipping", ["path": path])
            return .skipped(reason: "\(path) is not a regular file")
        }
        let photo = PhotoIdentity(path: path, stat: st)
        let previous = journal.record(for: photo)
        if let previous, previous.state != .claimed {
            logDebug("worker", "already recorded; skipping", ["path": path, "state": previous.state.rawValue])
            return .skipped(reason: "\(photo.name) is already recorded as \(previous.state.rawValue)")
        }
        let name = photo.name
        events.emit(.photoReceived, photo: name)
        if let previous, previous.attempt >= c.maxAttempts {
            return fail(photo, detail: "photo \(name) was abandoned after \(previous.attempt) attempts that never finished (the daemon stopped or crashed each time)",
                        spoken: narrator.text(.photoUnreadable(photo: name)))
        }
        if st.st_size > c.maxPhotoBytes {
            return fail(photo, detail: "photo \(name) is \(st.st_size) bytes, larger than the limit of \(c.maxPhotoBytes) bytes (max_photo_bytes)",
                        spoken: narrator.text(.photoTooLarge(photo: name)))
        }
        let attempt: Int
        do { attempt = try journal.claim(photo) } catch {
            return journalFailed(error, photo: name)
        }
        logInfo("worker", "photo claimed", ["path": path, "attempt": attempt, "size": st.st_size])
        events.emit(.photoClaimed, photo: name, attempt: attempt)
        let data: Data
        do { data = try Descriptor.readAll(fd, size: Int(st.st_size)) } catch {
            return fail(photo, detail: "cannot read photo \(name): \(error.reason)", spoken: narrator.text(.photoUnreadable(photo: name)))
        }
        let description = describe(data, name: name, options: job.options, verbosity: c.verbosity, mode: job.mode)
        switch description.outcome {
        case .failed(let detail, let spoken):
            return fail(photo, detail: detail, spoken: spoken)
        case .described(let d):
            // Before the record, so a photo recorded as done has its alt text (a crash in
            // between only rewrites the same file when the photo is redone).
            if c.altText, let alt = PhotoPipeline.altText(d) { writeAltText(alt, beside: path, photoMode: st.st_mode) }
            do { try journal.finish(photo, description: d) } catch {
                return journalFailed(error, photo: name)
            }
            journalRecovered()
            finishDescribed(d, name: name, logged: path, request: false, speak: job.speak)
            return .described(d)
        }
    }

    /// Records a failed photo, then speaks the short form (the journal keeps the detail).
    private func fail(_ photo: PhotoIdentity, detail: String, spoken: String) -> PhotoOutcome {
        do { try journal.fail(photo, error: detail) } catch {
            return journalFailed(error, photo: photo.name)
        }
        journalRecovered()
        logWarning("worker", "photo failed", ["path": photo.path, "error": detail])
        events.emit(.failed, photo: photo.name, error: detail)
        narrator.say([spoken], kind: .error)
        return .failed(detail: detail)
    }

    /// The journal cannot be written (disk full, EIO): the photo stays unrecorded, so the next
    /// scan finds it again; the person hears about it once, not once per photo.
    private func journalFailed(_ error: Error, photo: String) -> PhotoOutcome {
        let first = state.withLock { s -> Bool in
            defer { s.journalTrouble = "\(error)" }
            return s.journalTrouble == nil
        }
        logError("journal", "cannot record photo; it stays pending", ["photo": photo, "reason": "\(error)"])
        for s in sources { s.retryPending(after: PhotoPipeline.journalRetrySeconds) }
        if first { narrator.announce([.journalUnwritableBegan]) }
        // Last, so a listener that hears it finds the retry asked for and the warning queued.
        events.emit(.journalFailed, photo: photo, error: "\(error)")
        return .pending(reason: "\(error)")
    }

    private func journalRecovered() {
        let was = state.withLock { s -> String? in defer { s.journalTrouble = nil }; return s.journalTrouble }
        if was != nil {
            logInfo("journal", "recording works again")
            events.emit(.journalRecovered)
        }
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

    /// `PHOTO.txt` beside the photo (kitchen.jpg -> kitchen.jpg.txt); the watcher ignores `.txt`.
    /// It says what the photo shows, so whoever may not read the photo may not read it either:
    /// it gets the photo's read and write bits (never execute, set-id or sticky bits).
    private func writeAltText(_ text: String, beside path: String, photoMode: mode_t) {
        let mode = photoMode & 0o666
        do { try FileSystem.writeDurably(Data((text + "\n").utf8), to: path + ".txt", mode: mode) } catch {
            logWarning("worker", "cannot write alt text", ["path": path + ".txt", "reason": "\(error)"])
        }
    }

    // MARK: - Client photos

    private func processBytes(_ data: Data, name: String, _ job: PhotoJob) -> PhotoOutcome {
        let verbosity = state.withLock { $0.settings.verbosity }
        let description = describe(data, name: name, options: job.options, verbosity: verbosity, mode: job.mode)
        switch description.outcome {
        case .failed(let detail, let spoken):
            logWarning("worker", "request failed", ["photo": name, "error": detail])
            events.emit(.failed, photo: name, error: detail)
            if job.speak { narrator.say([spoken], kind: .error) }
            return .failed(detail: detail)
        case .described(let d):
            finishDescribed(d, name: name, logged: name, request: true, speak: job.speak)
            return .described(d)
        }
    }

    /// Read here, on the worker, so a stalled file never blocks the socket's poll thread.
    private func processDescriptor(_ held: HeldPhoto, name: String, _ job: PhotoJob) -> PhotoOutcome {
        let limit = state.withLock { $0.settings.maxPhotoBytes }
        do { return processBytes(try held.read(limit: limit), name: name, job) } catch {
            logWarning("worker", "request failed", ["photo": name, "error": error.message])
            events.emit(.failed, photo: name, error: error.message)
            return .failed(detail: error.message)
        }
    }

    // MARK: - Both

    private func describe(_ data: Data, name: String, options: CaptionOptions, verbosity: Verbosity, mode: AssistMode?) -> PhotoDescription {
        let model = models.modelForNextPhoto()
        if let modeDescriber {
            return modeDescriber.describe(data, name: name, mode: mode, model: model, reading: reading, verbosity: verbosity, options: options)
        }
        return PhotoDescriber.describe(data, name: name, model: model, reading: reading, verbosity: verbosity, options: options,
                                       catalogue: narrator.catalogue)
    }

    /// Logs (`logged` is the path of a file, the name of a client's photo), remembers,
    /// announces and (if asked) speaks a described photo.
    private func finishDescribed(_ d: DescriptionInfo, name: String, logged: String, request: Bool, speak: Bool) {
        let problems = d.quality?.problems.map(\.kind.rawValue).joined(separator: ",")
        // The caption and the text read are private: info level gets only their shape.
        logInfo("worker", request ? "request described" : "photo described",
                [request ? "photo" : "path": logged, "captioned": d.caption != nil,
                 "quality": problems?.isEmpty == false ? problems : nil, "text_lines": d.text?.lines.count,
                 "ms": Int(d.timings.total)])
        logDebug("worker", "description", [request ? "photo" : "path": logged, "message": d.message, "caption": d.caption?.text])
        history.add(HistoryEntry(time: Date().timeIntervalSince1970, photo: name, text: d.message, description: d))
        events.emit(.captioned, photo: name, text: d.message, description: d)
        if speak {
            if let reader { reader.read(description: d) } else { narrator.say([d.message], kind: .caption) }
        }
    }
}

extension PhotoPipeline.Settings {
    init(_ c: DaemonConfig) {
        self.init(maxAttempts: c.maxAttempts, maxPhotoBytes: c.maxPhotoBytes, altText: c.altText, verbosity: c.verbosity)
    }
}

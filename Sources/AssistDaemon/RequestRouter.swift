import Foundation
import IPC
import PhotoAnalysis
import Speech
import SystemSupport

/// Answers socket requests: caption requests go to the photo queue, the rest (status, speech,
/// history, voice, model reload) are answered at once on the server's thread, so a long
/// description never delays `status`, `stop` or `say`.
final class RequestRouter: Sendable {
    /// What the router needs from the config, which SIGHUP may change.
    struct Settings: Sendable {
        var watching: [String]
        var verbosity: Verbosity
    }

    private struct State {
        var settings: Settings
        var voice: VoiceSettings
    }

    private let intake: PhotoIntake
    private let pipeline: PhotoPipeline
    private let models: any ModelProvider
    let narrator: Narrator
    private let history: CaptionHistory
    private let voiceStore: VoiceStore
    private let events: EventHub
    /// The reading controls (`RequestRouter+Reading`); nil in in-process tests that need none.
    let reader: DocumentReader?
    /// Modes and labels; nil: every photo is described as before modes.
    let modeDescriber: ModeDescriber?
    /// Light mode's repeating tone, stopped by `stop` (nil without a camera).
    let lightTone: LightToneLoop?
    private let started = Date()
    private let state: Locked<State>
    /// The camera, for `snap` (nil: the request says there is no camera service).
    let capture: CaptureService?
    /// `outputs` and `voice --output` (nil in tests without a speaker).
    let outputSwitch: OutputSwitch?
    private let privacy: PrivacyKeeper

    init(intake: PhotoIntake, pipeline: PhotoPipeline, models: any ModelProvider, narrator: Narrator,
         history: CaptionHistory, voiceStore: VoiceStore, voice: VoiceSettings, events: EventHub, settings: Settings,
         outputSwitch: OutputSwitch? = nil, reader: DocumentReader? = nil, capture: CaptureService? = nil,
         modeDescriber: ModeDescriber? = nil, lightTone: LightToneLoop? = nil, privacy: PrivacyKeeper) {
        self.privacy = privacy
        self.modeDescriber = modeDescriber
        self.lightTone = lightTone
        self.outputSwitch = outputSwitch
        self.capture = capture
        self.reader = reader
        self.intake = intake
        self.pipeline = pipeline
        self.models = models
        self.narrator = narrator
        self.history = history
        self.voiceStore = voiceStore
        self.events = events
        state = Locked(State(settings: settings, voice: voice))
    }

    func update(settings: Settings) {
        state.withLock { $0.settings = settings }
    }

    /// Answers one request through `reply`, exactly once.
    func handle(_ request: Request, photo: ClientPhoto?, reply: @escaping @Sendable (ResponseBody) -> Void) {
        switch request.body {
        case .caption(let cr):
            caption(cr, photo: photo ?? .bytes(Data()), reply: reply)
        case .status:
            reply(.status(status()))
        case .say(let text):
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { return reply(.failure(RemoteError(.badRequest, "say needs some text"))) }
            guard let id = narrator.sayIfRoom([trimmed], kind: .message) else { return reply(.failure(RequestRouter.speechBusy(narrator))) }
            reply(.said(utterance: id))
        case .stop:
            narrator.stop()
            lightTone?.stop()
            reply(.stopped)
        case .repeatLast:
            guard let last = history.last else {
                return reply(.failure(RemoteError(.nothingToRepeat, "There is no caption to repeat yet: no photo has been described.")))
            }
            guard narrator.queueLength < narrator.maxSayQueue else { return reply(.failure(RequestRouter.speechBusy(narrator))) }
            if let reader { reader.read(last.text) } else { narrator.say([last.text], kind: .caption) }
            reply(.repeated(text: last.text))
        case .history(let limit):
            guard limit >= 0 else { return reply(.failure(RemoteError(.badRequest, "history limit \(limit) is negative"))) }
            reply(.history(history.newest(limit)))
        case .voice(let change):
            voiceStore.queue.async { [self] in reply(changeVoice(change)) }
        case .events:
            // The server has subscribed the connection before handing the request on.
            reply(.subscribed)
        case .reloadModel:
            models.reloadRequested()
            reply(.modelReload(models.status()))
        // MARK: - voice
        case .outputs: reply(outputsAnswer())
        // MARK: - reading
        case .reading(let command): reply(reading(command))
        case .importProducts: reply(.failure(RemoteError(.badRequest, "products_import needs the file passed as a descriptor")))
        case .snap(let r): snap(r, reply: reply)
        // MARK: - modes
        case .mode(let name): reply(mode(name))
        case .label(let change): reply(label(change))
        // MARK: - bounds
        case .forget(let scope): privacy.forget(scope, reply: reply)
        }
    }

    private func caption(_ cr: CaptionRequest, photo: ClientPhoto, reply: @escaping @Sendable (ResponseBody) -> Void) {
        let name = cr.name.map { ($0 as NSString).lastPathComponent } ?? "from the client"
        let speak = cr.speak
        let options = CaptionOptions(numBeams: cr.numBeams, maxLength: cr.maxLength, maxNewTokens: cr.maxNewTokens)
        if let problem = options.limitProblem { return reply(.failure(RemoteError(.badRequest, problem))) }
        if let problem = modeProblem(cr.mode) { return reply(.failure(problem)) }
        let input: PhotoJob.Input
        switch photo {
        case .bytes(let data): input = .bytes(data, name: name)
        case .descriptor(let held): input = .descriptor(held, name: name)
        }
        let job = PhotoJob(input: input, options: options, speak: speak, mode: cr.mode) { outcome in reply(RequestRouter.answer(outcome, spoken: speak)) }
        // Announced before queueing so listeners never see the result before the arrival.
        events.emit(.photoReceived, photo: name)
        switch intake.submit(job) {
        case .queued, .alreadyQueued:
            // A client's photo is never deduplicated: `.alreadyQueued` is only for files.
            break
        case .busy(let limit):
            let busy = RemoteError(.busy, "assistd has \(limit) caption requests waiting; try again later")
            events.emit(.failed, photo: name, error: busy.message)
            reply(.failure(busy))
        case .overBudget(let limit):
            let busy = RemoteError(.busy, "assistd has photos of \(limit) bytes waiting (max_queued_bytes); try again later, or pass the photo as a file")
            events.emit(.failed, photo: name, error: busy.message)
            reply(.failure(busy))
        case .closed:
            reply(.failure(RemoteError(.shuttingDown, "assistd is stopping")))
        }
    }

    /// `say` or `repeat` refused because `max_say_queue` utterances wait.
    static func speechBusy(_ narrator: Narrator) -> RemoteError {
        RemoteError(.busy, "assistd has \(narrator.maxSayQueue) utterances waiting to be spoken (max_say_queue); this text was not queued, try again later")
    }

    /// The answer to a caption request once its job ended.
    static func answer(_ outcome: PhotoOutcome, spoken: Bool) -> ResponseBody {
        switch outcome {
        case .described(let d):
            let t = d.caption?.timings ?? Timings(decode: 0, encode: 0, generate: 0)
            return .caption(CaptionResult(text: d.message, tokens: d.caption?.tokens ?? [], timings: t, spoken: spoken, description: d))
        case .failed(let detail):
            return .failure(RemoteError(.photoInvalid, detail))
        case .cancelled:
            return .failure(RemoteError(.shuttingDown, "assistd is stopping"))
        case .skipped(let reason), .pending(let reason):
            return .failure(RemoteError(.internal, reason))
        }
    }

    private func changeVoice(_ change: VoiceChange) -> ResponseBody {
        let current = state.withLock { $0.voice }
        guard !change.isEmpty else { return .voice(RequestRouter.info(current, output: narrator.audioOutput)) }
        if let output = change.output, let refused = switchOutput(output) { return .failure(refused) }
        let new: VoiceSettings
        do {
            new = try VoiceStore.applying(change, to: current)
            try narrator.setVoice(new)
        } catch {
            return .failure(RemoteError(.voiceInvalid, "\(error)"))
        }
        state.withLock { $0.voice = new }
        do { try voiceStore.save(new) } catch {
            logError("voice", "voice changed but cannot be saved", ["path": voiceStore.path, "reason": "\(error)"])
            return .failure(RemoteError(.internal, "the voice changed now but could not be saved for the next start: \(error)"))
        }
        logInfo("voice", "voice changed", ["rate": new.rate, "pitch": new.pitch, "volume": new.volume, "voice": new.voice])
        return .voice(RequestRouter.info(new, output: narrator.audioOutput))
    }

    static func info(_ v: VoiceSettings, output: String? = nil) -> IPC.VoiceInfo {
        IPC.VoiceInfo(rate: v.rate, pitch: v.pitch, volume: v.volume, voice: v.voice, output: output)
    }

    private func status() -> StatusInfo {
        let (settings, voice) = state.withLock { ($0.settings, $0.voice) }
        let health = narrator.health
        return StatusInfo(version: Daemon.version, protocolVersion: ProtocolVersion.current,
                          uptimeSeconds: Date().timeIntervalSince(started),
                          model: models.status(),
                          queueLength: pipeline.queue.count,
                          speech: SpeechStatus(sink: health.sink, ok: health.ok, detail: health.detail, queueLength: narrator.queueLength),
                          voice: RequestRouter.info(voice, output: narrator.audioOutput), watching: settings.watching, reading: pipeline.reading.status,
                          verbosity: settings.verbosity.wireName, journalProblem: pipeline.journalProblem,
                          mode: modeDescriber?.modes.current)
    }
}

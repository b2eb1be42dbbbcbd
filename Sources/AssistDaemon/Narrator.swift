import Foundation
import IPC
import Messages
import Speech
import SystemSupport

/// Everything the daemon says goes through here: it queues text on the speech output (if speech
/// could be started), logs it, and turns the output's utterance events into daemon events.
final class Narrator: Sendable {
    /// The text of each utterance still in flight, so `spoken` events can carry it.
    private final class Pending: Sendable {
        let texts = Locked<[UInt64: String]>([:])
        /// Who else hears every utterance event (the `DocumentReader`).
        let observers = Locked<[@Sendable (SpeechEvent) -> Void]>([])
    }

    private let output: (any SpeechOutput)?
    /// Why speech could not be started, for `status`.
    private let problem: String?
    private let sinkName: String
    private let pending: Pending
    private let events: EventHub
    /// The words and the `announce` level of the daemon's own sentences (`configure`).
    private let wording = Locked((catalogue: MessageCatalogue(language: .english), level: AnnounceLevel.all))
    // MARK: - bounds
    private let sayBound = Locked(BoundsConfig().maxSayQueue)

    /// Builds the output with `make`, handing it the closure for its utterance events. When
    /// `make` throws, the daemon runs silent: captions are still made, recorded and returned.
    init(sinkName: String, events: EventHub,
         make: (@escaping @Sendable (SpeechEvent) -> Void) throws -> any SpeechOutput) {
        let pending = Pending()
        self.pending = pending
        self.events = events
        self.sinkName = sinkName
        let relay: @Sendable (SpeechEvent) -> Void = { Narrator.relay($0, pending: pending, events: events) }
        do {
            output = try make(relay)
            problem = nil
        } catch {
            logError("speech", "cannot start speech; running without it", ["sink": sinkName, "reason": "\(error)"])
            output = nil
            problem = "\(error)"
        }
    }

    var health: SpeechHealth {
        output?.health ?? SpeechHealth(sink: sinkName, ok: false, detail: problem ?? "speech not started")
    }

    var queueLength: Int { output?.queueLength ?? 0 }

    /// Queues the parts as one utterance; returns its id (0 without speech). With
    /// `reportingWords`, observers get a `word` event for each word as it is heard.
    @discardableResult
    func say(_ parts: [String], kind: UtteranceKind, reportingWords: Bool = false) -> UInt64 {
        guard let output else { return 0 }
        let text = parts.joined(separator: " ")
        // Under the lock, so an utterance that ends at once still finds its text.
        let id = pending.texts.withLock { texts in
            let id = output.enqueue(text, kind: kind, reportingWords: reportingWords)
            texts[id] = text
            return id
        }
        // What is spoken is private (mail, bank letters, prescriptions): info level, which goes
        // to journald, gets only its length.
        logInfo("speech", "queued", ["utterance": id, "kind": kind.rawValue, "chars": text.count])
        logDebug("speech", "queued text", ["utterance": id, "text": text])
        events.emit(.speechQueued, text: text, utterance: id, utteranceKind: UtteranceKindName(rawValue: kind.rawValue))
        return id
    }

    /// Hands every utterance event to `handler` as well, on the speech event thread.
    func observe(_ handler: @escaping @Sendable (SpeechEvent) -> Void) {
        pending.observers.withLock { $0.append(handler) }
    }

    /// Plays `earcon` ahead of queued speech (nothing without speech).
    func play(_ earcon: Earcon) {
        output?.play(earcon)
    }

    /// Whether speech is playing or waiting to (what "any press while speaking: stop first" asks).
    var isBusy: Bool {
        guard let output else { return false }
        return output.isSpeaking || output.queueLength > 0
    }

    // MARK: - bounds
    /// `max_say_queue`: utterances that may wait before a client's `say` or `repeat` is refused.
    var maxSayQueue: Int {
        get { sayBound.withLock { $0 } }
        set { sayBound.withLock { $0 = newValue } }
    }

    /// Queues a client's text unless `maxSayQueue` utterances already wait; nil then, and the
    /// caller answers `busy` (the text is refused, never dropped unsaid). The daemon's own
    /// sentences and descriptions go through `say`: captions replace queued captions, so they
    /// cannot pile up.
    func sayIfRoom(_ parts: [String], kind: UtteranceKind) -> UInt64? {
        guard queueLength < maxSayQueue else { return nil }
        return say(parts, kind: kind)
    }

    func stop() {
        output?.stop()
        logInfo("speech", "stopped by client")
    }

    func setVoice(_ v: VoiceSettings) throws {
        try output?.setVoice(v)
    }

    func shutdown() {
        output?.shutdown()
    }

    // MARK: - voice

    /// The language of every fixed sentence and which of the daemon's own are spoken; SIGHUP
    /// calls it again.
    func configure(language: Language, announce: AnnounceLevel) {
        wording.withLock { $0 = (MessageCatalogue(language: language), announce) }
    }

    /// The catalogue of the configured language.
    var catalogue: MessageCatalogue { wording.withLock { $0.catalogue } }

    /// `message` in the configured language.
    func text(_ message: Message) -> String { catalogue.text(message) }

    /// The daemon's own sentences (start-up, a state that began or ended, an error that is not
    /// a photo's): the ones `announce` allows, as one utterance. It is an `error` utterance when
    /// one of them is an error, so neither a newer caption nor another message can drop it.
    /// Returns the utterance id, or nil when nothing was allowed.
    @discardableResult
    func announce(_ messages: [Message]) -> UInt64? {
        let (catalogue, level) = wording.withLock { ($0.catalogue, $0.level) }
        let allowed = messages.filter(level.allows)
        guard !allowed.isEmpty else {
            if !messages.isEmpty { logDebug("speech", "not announced", ["announce": level.rawValue, "ids": messages.map(\.id.rawValue).joined(separator: ",")]) }
            return nil
        }
        let kind: UtteranceKind = allowed.contains { $0.id.isError } ? .error : .message
        return say([catalogue.utterance(allowed)], kind: kind)
    }

    /// The ALSA PCM speech plays on; nil for the wav and none sinks or without speech.
    var audioOutput: String? { (output as? any SpeechDevice)?.output }

    /// Switches speech to the ALSA PCM `name` from the next utterance on.
    func setAudioOutput(_ name: String) throws {
        guard let device = output as? any SpeechDevice else {
            throw SpeechError.audioDevice(device: name, reason: "speech is not running (\(problem ?? "no audio output"))")
        }
        try device.setOutput(name)
    }

    /// Waits until everything queued has been spoken, at most `timeout` seconds.
    @discardableResult
    func waitIdle(timeout: TimeInterval) -> Bool {
        (output as? any SpeechDevice)?.waitIdle(timeout: timeout) ?? true
    }

    private static func relay(_ event: SpeechEvent, pending: Pending, events: EventHub) {
        for observer in pending.observers.withLock({ $0 }) { observer(event) }
        switch event {
        case .started(let id, _):
            logDebug("speech", "speaking", ["utterance": id])
            events.emit(.speechStarted, utterance: id)
        case .finished(let id, let file):
            let text = pending.texts.withLock { $0.removeValue(forKey: id) }
            logInfo("speech", "spoken", ["utterance": id, "file": file])
            events.emit(.spoken, text: text, utterance: id)
        case .stopped(let id):
            pending.texts.withLock { _ = $0.removeValue(forKey: id) }
            logInfo("speech", "stopped", ["utterance": id])
            events.emit(.speechStopped, utterance: id)
        case .superseded(let id):
            pending.texts.withLock { _ = $0.removeValue(forKey: id) }
            logInfo("speech", "superseded by a newer caption", ["utterance": id])
            events.emit(.speechSuperseded, utterance: id)
        case .failed(let id, let reason):
            pending.texts.withLock { _ = $0.removeValue(forKey: id) }
            logWarning("speech", "utterance failed", ["utterance": id, "reason": reason])
            events.emit(.speechFailed, error: reason, utterance: id)
        case .word:
            // Only for the observers: one event per word would flood the event stream.
            break
        }
    }
}

import Foundation
import IPC
import Speech
import SystemSupport

/// Everything the daemon says goes through here: it queues text on the speech output (if speech
/// could be started), logs it, and turns the output's utterance events into daemon events.
final class Narrator: Sendable {
    /// The text of each utterance still in flight, so `spoken` events can carry it.
    private final class Pending: Sendable {
        let texts = Locked<[UInt64: String]>([:])
    }

    private let output: (any SpeechOutput)?
    /// Why speech could not be started, for `status`.
    private let problem: String?
    private let sinkName: String
    private let pending: Pending
    private let events: EventHub
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

    /// Queues the parts as one utterance; returns its id (0 without speech).
    @discardableResult
    func say(_ parts: [String], kind: UtteranceKind) -> UInt64 {
        guard let output else { return 0 }
        let text = parts.joined(separator: " ")
        // Under the lock, so an utterance that ends at once still finds its text.
        let id = pending.texts.withLock { texts in
            let id = output.enqueue(text, kind: kind)
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

    private static func relay(_ event: SpeechEvent, pending: Pending, events: EventHub) {
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
        }
    }
}

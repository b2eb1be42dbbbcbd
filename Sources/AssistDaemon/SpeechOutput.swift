import Foundation
import Speech

/// Where spoken words go: `Speech.Speaker` in the daemon (a worker process per utterance), a
/// recorder in the in-process tests. Utterance events come back through the closure the output
/// was built with, always later and on another thread, never from inside these calls.
protocol SpeechOutput: Sendable {
    /// Queues `text`; returns the utterance id its events carry.
    func enqueue(_ text: String, kind: UtteranceKind) -> UInt64
    /// Queues `text`; with `reportingWords`, `word` events tell which word is being heard.
    func enqueue(_ text: String, kind: UtteranceKind, reportingWords: Bool) -> UInt64
    /// Silence now and drop queued speech.
    /// Plays a short generated sound ahead of queued speech (between chunks of the utterance
    /// being spoken), on the same sink.
    func play(_ earcon: Earcon)
    /// True while an utterance is being spoken.
    var isSpeaking: Bool { get }
    /// Silence now and drop queued speech (and earcons not yet played).
    func stop()
    /// Applies new voice settings to the next utterance; throws when they are refused.
    func setVoice(_ v: VoiceSettings) throws
    var health: SpeechHealth { get }
    var queueLength: Int { get }
    /// Stops speaking and ends any worker.
    func shutdown()
}

// MARK: - voice

/// The audio output and draining, which only a real speaker has: a recorder in the in-process
/// tests has no PCM and is idle at once.
protocol SpeechDevice {
    /// The ALSA PCM in use, nil for a sink that is not a device.
    var output: String? { get }
    /// Plays on another ALSA PCM from the next utterance on.
    func setOutput(_ name: String) throws
    /// Waits until everything queued has been spoken, or `timeout` passes; false on timeout.
    func waitIdle(timeout: TimeInterval) -> Bool
}

extension SpeechOutput {
    /// An output that cannot tell words apart just queues the text.
    func enqueue(_ text: String, kind: UtteranceKind, reportingWords: Bool) -> UInt64 {
        enqueue(text, kind: kind)
    }
}

extension Speaker: SpeechOutput, SpeechDevice {}

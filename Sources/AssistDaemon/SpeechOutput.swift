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
    func stop()
    /// Applies new voice settings to the next utterance; throws when they are refused.
    func setVoice(_ v: VoiceSettings) throws
    var health: SpeechHealth { get }
    var queueLength: Int { get }
    /// Stops speaking and ends any worker.
    func shutdown()
}

extension SpeechOutput {
    /// An output that cannot tell words apart just queues the text.
    func enqueue(_ text: String, kind: UtteranceKind, reportingWords: Bool) -> UInt64 {
        enqueue(text, kind: kind)
    }
}

extension Speaker: SpeechOutput {}

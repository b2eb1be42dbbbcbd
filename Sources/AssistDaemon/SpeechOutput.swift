import Speech

/// Where spoken words go: `Speech.Speaker` in the daemon (a worker process per utterance), a
/// recorder in the in-process tests. Utterance events come back through the closure the output
/// was built with, always later and on another thread, never from inside these calls.
protocol SpeechOutput: Sendable {
    /// Queues `text`; returns the utterance id its events carry.
    func enqueue(_ text: String, kind: UtteranceKind) -> UInt64
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

extension Speaker: SpeechOutput {}

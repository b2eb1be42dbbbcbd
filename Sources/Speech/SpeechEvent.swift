/// Lifecycle of an utterance. Every accepted utterance ends in exactly one of `finished`,
/// `stopped`, `superseded` or `failed`; `started` comes first only for those that began, and
/// `word` events come between the two.
public enum SpeechEvent: Sendable, Equatable {
    /// Synthesis began (for the device sink: audio is about to play).
    case started(id: UInt64, text: String)
    /// Spoken to the end; `file` is the WAV path for the wav sink, nil otherwise.
    case finished(id: UInt64, file: String?)
    /// Cut short or dropped from the queue by `stop()` or `shutdown()`.
    case stopped(id: UInt64)
    /// A caption that never started because a newer caption was queued.
    case superseded(id: UInt64)
    /// Not spoken (or not to the end) because of a problem `reason` names.
    case failed(id: UInt64, reason: String)
    /// The word at `position` (Unicode scalars from the start of the utterance's text, from 0),
    /// `length` scalars long, is being heard: its audio has just been handed to the sink. Only
    /// for utterances queued with `reportingWords`, between `started` and the final event.
    case word(id: UInt64, position: Int, length: Int)

    /// The utterance the event is about.
    public var id: UInt64 {
        switch self {
        case .started(let id, _), .finished(let id, _), .stopped(let id), .superseded(let id),
             .failed(let id, _), .word(let id, _, _):
            return id
        }
    }
}

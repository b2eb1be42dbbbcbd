import Messages

/// What a key press asks the daemon to do.
public enum KeyAction: String, CaseIterable, Sendable, Codable {
    /// Take a photo and describe it.
    case describe
    /// Silence now and drop queued speech.
    case stop
    /// Say the last description again.
    case `repeat`
    /// Say the status: what works, the queue, the voice.
    case status
    /// Say what each key does.
    case help
    case volumeUp = "volume_up"
    case volumeDown = "volume_down"
    case rateUp = "rate_up"
    case rateDown = "rate_down"
    // MARK: - reading
    /// Pause reading, or resume it from the sentence where it paused.
    case pause
    case nextSentence = "next_sentence"
    case previousSentence = "previous_sentence"
    case nextParagraph = "next_paragraph"
    case previousParagraph = "previous_paragraph"
    /// Spell the last word heard.
    case spell
    // MARK: - modes
    /// Move to the next mode (describe, text, product, colour, light) and say its name.
    case mode

    /// Whether a press of a key whose short action is this one stops speech first. Changing the
    /// volume or rate while assist speaks is heard in what it says next, so those keys do not
    /// interrupt.
    public var interruptsSpeech: Bool {
        switch self {
        case .volumeUp, .volumeDown, .rateUp, .rateDown: return false
        // MARK: - reading
        // The reader stops speech itself and must see what was being read when it was stopped.
        case .pause, .nextSentence, .previousSentence, .nextParagraph, .previousParagraph, .spell: return false
        default: return true
        }
    }
}

extension KeyAction {
    /// The action as the key help says it.
    public var spoken: Message {
        switch self {
        case .describe: return .actionDescribe
        case .stop: return .actionStop
        case .repeat: return .actionRepeat
        case .status: return .actionStatus
        case .help: return .actionHelp
        case .volumeUp: return .actionVolumeUp
        case .volumeDown: return .actionVolumeDown
        case .rateUp: return .actionRateUp
        case .rateDown: return .actionRateDown
        // MARK: - reading
        case .pause: return .actionPause
        case .nextSentence: return .actionNextSentence
        case .previousSentence: return .actionPreviousSentence
        case .nextParagraph: return .actionNextParagraph
        case .previousParagraph: return .actionPreviousParagraph
        case .spell: return .actionSpell
        // MARK: - modes
        case .mode: return .actionMode
        }
    }
}

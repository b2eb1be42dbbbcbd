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
    // MARK: - modes
    /// Move to the next mode (describe, text, product, colour, light) and say its name.
    case mode

    /// Whether a press of a key whose short action is this one stops speech first. Changing the
    /// volume or rate while assist speaks is heard in what it says next, so those keys do not
    /// interrupt.
    public var interruptsSpeech: Bool {
        switch self {
        case .volumeUp, .volumeDown, .rateUp, .rateDown: return false
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
        // MARK: - modes
        case .mode: return .actionMode
        }
    }
}

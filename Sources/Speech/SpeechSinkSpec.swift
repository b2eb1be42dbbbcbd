import Foundation

/// Where speech goes.
public enum SpeechSinkSpec: Sendable, Equatable, CustomStringConvertible {
    /// ALSA playback on `SpeakerOptions.alsaDevice` ("default" unless told otherwise).
    case device
    /// One WAV file (and a `.txt` of its text) per utterance in `directory`.
    case wav(directory: String)
    /// Nothing is synthesized; only events are reported.
    case none

    /// Parses `device`, `wav:DIR` or `none`.
    public init?(_ text: String) {
        if text == "device" { self = .device }
        else if text == "none" { self = .none }
        else if text.hasPrefix("wav:"), text.count > 4 { self = .wav(directory: String(text.dropFirst(4))) }
        else { return nil }
    }

    public var description: String {
        switch self {
        case .device: return "device"
        case .wav(let d): return "wav:\(d)"
        case .none: return "none"
        }
    }
}

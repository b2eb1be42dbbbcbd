import Foundation

/// Where speech goes.
public enum SpeechSinkSpec: Sendable, Equatable, CustomStringConvertible {
    /// ALSA playback on `SpeakerOptions.alsaDevice` ("default" unless told otherwise).
    case device
    /// ALSA playback on the named PCM (`device:PCM`): any name ALSA knows, such as
    /// `plughw:CARD=Headphones,DEV=0`, `bluealsa` or an `~/.asoundrc` entry.
    case pcm(String)
    /// One WAV file (and a `.txt` of its text) per utterance in `directory`.
    case wav(directory: String)
    /// Nothing is synthesized; only events are reported.
    case none

    /// Parses `device`, `device:PCM`, `wav:DIR` or `none`.
    public init?(_ text: String) {
        if text == "device" { self = .device }
        else if text == "none" { self = .none }
        else if text.hasPrefix("device:"), text.count > 7 { self = .pcm(String(text.dropFirst(7))) }
        else if text.hasPrefix("wav:"), text.count > 4 { self = .wav(directory: String(text.dropFirst(4))) }
        else { return nil }
    }

    public var description: String {
        switch self {
        case .device: return "device"
        case .pcm(let name): return "device:\(name)"
        case .wav(let d): return "wav:\(d)"
        case .none: return "none"
        }
    }

    /// Whether this sink plays on an ALSA PCM (`device` or `device:PCM`).
    public var playsOnDevice: Bool {
        switch self {
        case .device, .pcm: return true
        case .wav, .none: return false
        }
    }
}

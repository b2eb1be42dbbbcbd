import Foundation

/// Voice settings, applied live and persisted by the daemon.
public struct VoiceSettings: Codable, Sendable, Equatable {
    /// Words per minute (espeakRATE, 80...450).
    public var rate: Int
    /// Base pitch, 0...100 (espeakPITCH).
    public var pitch: Int
    /// Volume, 0...200 (espeakVOLUME).
    public var volume: Int
    /// espeak-ng voice name, e.g. "en", "en-us", "de".
    public var voice: String
    public init(rate: Int = 175, pitch: Int = 50, volume: Int = 100, voice: String = "en") {
        self.rate = rate; self.pitch = pitch; self.volume = volume; self.voice = voice
    }
}

/// Where speech goes.
public enum SpeechSinkSpec: Sendable, Equatable, CustomStringConvertible {
    case device
    case wav(directory: String)
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

/// What an utterance is; decides queueing: a new caption replaces captions not yet started,
/// errors and messages are never replaced (only `stop` drops them).
public enum UtteranceKind: String, Sendable, Codable {
    case caption, error, message
}

/// The sink's state, for `status`.
public struct SpeechHealth: Sendable, Equatable {
    public var sink: String
    public var ok: Bool
    public var detail: String?
    public init(sink: String, ok: Bool, detail: String? = nil) { self.sink = sink; self.ok = ok; self.detail = detail }
}

/// Lifecycle of an utterance; `file` is the WAV path for the wav sink.
public enum SpeechEvent: Sendable, Equatable {
    case started(id: UInt64, text: String)
    case finished(id: UInt64, file: String?)
    case stopped(id: UInt64)
    case superseded(id: UInt64)
    case failed(id: UInt64, reason: String)
}

/// Speaks queued utterances one at a time on a thread of its own.
public final class Speaker: @unchecked Sendable {
    // NOTE(skeleton): the speech work fills this in with libespeak-ng.
    public init(sink: SpeechSinkSpec, voice: VoiceSettings, onEvent: @escaping @Sendable (SpeechEvent) -> Void) throws {
        self.voice = voice
        self.health = SpeechHealth(sink: sink.description, ok: false, detail: "speech not built yet")
    }

    public private(set) var voice: VoiceSettings
    public private(set) var health: SpeechHealth
    public var queueLength: Int { 0 }

    /// Queues `text`; returns its id.
    @discardableResult
    public func enqueue(_ text: String, kind: UtteranceKind) -> UInt64 { 0 }
    /// Silences the current utterance at once and drops everything queued.
    public func stop() {}
    /// Applies new voice settings from the next audio chunk on; throws if the voice is unknown.
    public func setVoice(_ v: VoiceSettings) throws { voice = v }
    /// Waits until the queue is empty and nothing is speaking, or `timeout` passes.
    @discardableResult
    public func waitIdle(timeout: TimeInterval) -> Bool { true }
    /// Stops speech and ends the speech thread.
    public func shutdown() {}
}

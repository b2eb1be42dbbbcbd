import Foundation

/// Voice settings, applied live and persisted by the daemon.
///
/// The numbers are espeak-ng's own parameters, passed unchanged to `espeak_SetParameter`, so
/// `VoiceSettings(rate: r, pitch: p, volume: v, voice: n)` sounds exactly like
/// `espeak-ng -s r -p p -a v -v n`. The allowed ranges are those documented in speak_lib.h.
public struct VoiceSettings: Codable, Sendable, Equatable {
    /// Words per minute (espeakRATE). espeak-ng clamps below 80 and, without sonic, above 450.
    public var rate: Int
    /// Base pitch (espeakPITCH), 50 is the voice's normal pitch.
    public var pitch: Int
    /// Volume (espeakVOLUME, the CLI's `-a`), 100 is normal; above 100 espeak-ng compresses and
    /// may distort.
    public var volume: Int
    /// espeak-ng voice: a name ("English_(America)"), identifier ("gmw/en-US"), file name
    /// ("en-us", "de"), or language ("en-gb"), optionally with a variant ("en+f3", "en-us+Alex").
    public var voice: String

    public static let rateRange = 80...450
    public static let pitchRange = 0...100
    public static let volumeRange = 0...200

    public init(rate: Int = 175, pitch: Int = 50, volume: Int = 100, voice: String = "en") {
        self.rate = rate; self.pitch = pitch; self.volume = volume; self.voice = voice
    }

    /// Throws `SpeechError` naming the first number outside its range.
    public func validateRanges() throws {
        if !Self.rateRange.contains(rate) {
            throw SpeechError.valueOutOfRange(setting: "rate", value: rate, allowed: Self.rateRange)
        }
        if !Self.pitchRange.contains(pitch) {
            throw SpeechError.valueOutOfRange(setting: "pitch", value: pitch, allowed: Self.pitchRange)
        }
        if !Self.volumeRange.contains(volume) {
            throw SpeechError.valueOutOfRange(setting: "volume", value: volume, allowed: Self.volumeRange)
        }
    }
}

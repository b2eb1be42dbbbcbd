import Foundation

/// The short generated sounds that are not speech: they say "heard you" and "working" faster
/// than any sentence could. Each is PCM at espeak-ng's rate (22050 Hz, s16 mono), so it goes
/// through the same speech sink as the words.
///
/// They differ in pitch and shape so that a person tells them apart without thinking: a key
/// press is one short high click, a photo arriving two rising notes, the working tick a quiet
/// low blip repeated while a description takes long.
public enum Earcon: Sendable, Equatable {
    /// A key went down (within 100 ms of the press).
    case keyPress
    /// A photo arrived (from the camera, the folder or the client).
    case photoArrived
    /// A description is taking long: played after `workingDelay`, then every `workingInterval`.
    case working
    /// A plain tone, for a mode that maps a measurement (such as light level) to `frequency`.
    case tone(frequency: Double, duration: TimeInterval)

    /// When the first working tick plays after a description starts, seconds.
    public static let workingDelay: TimeInterval = 1.5
    /// Between working ticks, seconds.
    public static let workingInterval: TimeInterval = 1.0

    /// The notes, in order, with no gap between them.
    public var tones: [Tone] {
        switch self {
        case .keyPress:
            return [Tone(frequency: 1760, duration: 0.030, amplitude: 0.45, ramp: 0.003)]
        case .photoArrived:
            return [Tone(frequency: 660, duration: 0.070, amplitude: 0.4, ramp: 0.006),
                    Tone(frequency: 990, duration: 0.090, amplitude: 0.4, ramp: 0.006)]
        case .working:
            return [Tone(frequency: 440, duration: 0.040, amplitude: 0.15, ramp: 0.008)]
        case .tone(let frequency, let duration):
            return [Tone(frequency: frequency, duration: duration, amplitude: 0.4, ramp: 0.005)]
        }
    }

    /// The earcon's PCM at `sampleRate`; `volume` scales it (1 = as designed), so it follows
    /// the voice's volume setting (espeak-ng's 100 = 1).
    public func samples(sampleRate: Int = Tone.sampleRate, volume: Double = 1) -> [Int16] {
        tones.flatMap { $0.samples(sampleRate: sampleRate, volume: volume) }
    }

    /// The same as little-endian bytes, as the ALSA sink and a raw file hold them.
    public func bytes(sampleRate: Int = Tone.sampleRate, volume: Double = 1) -> [UInt8] {
        samples(sampleRate: sampleRate, volume: volume).flatMap { s -> [UInt8] in
            let u = UInt16(bitPattern: s)
            return [UInt8(u & 0xff), UInt8(u >> 8)]
        }
    }
}

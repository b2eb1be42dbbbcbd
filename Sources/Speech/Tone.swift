import Foundation

/// A sine tone with soft edges, rendered as 16-bit mono PCM: the material of every earcon.
///
/// The attack and release are raised-cosine ramps, so the tone starts and ends at zero without
/// a click of its own. Samples are computed from the sample index (no accumulated phase), so
/// the same tone always gives the same bytes.
public struct Tone: Sendable, Equatable {
    /// Hertz; below half the sample rate.
    public var frequency: Double
    /// Seconds, ramps included.
    public var duration: TimeInterval
    /// Peak level, 0...1 of full scale.
    public var amplitude: Double
    /// Length of the fade-in and of the fade-out, seconds.
    public var ramp: TimeInterval

    public init(frequency: Double, duration: TimeInterval, amplitude: Double = 0.5, ramp: TimeInterval = 0.004) {
        self.frequency = frequency
        self.duration = duration
        self.amplitude = amplitude
        self.ramp = ramp
    }

    /// espeak-ng's output rate for every voice in espeak-ng-data, so earcons and speech share
    /// one sink without resampling.
    public static let sampleRate = 22050

    /// The tone's samples at `sampleRate`, scaled by `volume` (1 = `amplitude` as given).
    public func samples(sampleRate: Int = Tone.sampleRate, volume: Double = 1) -> [Int16] {
        let count = max(0, Int((duration * Double(sampleRate)).rounded()))
        let rampCount = min(count / 2, Int((ramp * Double(sampleRate)).rounded()))
        let peak = 32767 * min(1, max(0, amplitude * volume))
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        return (0..<count).map { n in
            var gain = 1.0
            if rampCount > 0 {
                if n < rampCount { gain = 0.5 - 0.5 * cos(Double.pi * Double(n) / Double(rampCount)) }
                let fromEnd = count - 1 - n
                if fromEnd < rampCount { gain = min(gain, 0.5 - 0.5 * cos(Double.pi * Double(fromEnd) / Double(rampCount))) }
            }
            return Int16((peak * gain * sin(step * Double(n))).rounded())
        }
    }
}

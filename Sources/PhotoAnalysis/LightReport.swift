import Foundation

/// The light in one photo.
public struct LightReport: Codable, Sendable, Equatable {
    public var level: LightMeter.Level
    /// Mean L* / 100, 0...1.
    public var brightness: Double
    /// Where the brightest part is; nil when the light is evenly spread.
    public var brightest: FramePosition?

    public init(level: LightMeter.Level, brightness: Double, brightest: FramePosition?) {
        self.level = level
        self.brightness = brightness
        self.brightest = brightest
    }

    /// Pitch of the light tone for this photo, Hz.
    public var tonePitch: Double { LightMeter.tonePitch(forBrightness: brightness) }

    public var spoken: String { LightPhrases.sentence(self) }
}

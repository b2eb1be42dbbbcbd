import Foundation

/// One named colour of the middle of a photo.
public struct NamedColour: Codable, Sendable, Equatable {
    public var name: String
    /// Fraction of the middle it covers, 0...1.
    public var share: Double
    /// Its mean CIELAB value after the cast correction.
    public var lab: LabColour
    /// CIEDE2000 distance to the palette entry it was named after.
    public var distance: Double

    public init(name: String, share: Double, lab: LabColour, distance: Double) {
        self.name = name
        self.share = share
        self.lab = lab
        self.distance = distance
    }
}

/// The colours of the middle of a photo, and what to say.
public struct ColourReport: Codable, Sendable, Equatable {
    /// Main colours, largest share first (at most three); empty when too dark.
    public var colours: [NamedColour]
    public var tooDark: Bool
    /// Gains applied to R, G, B in linear light to take out the light's colour.
    public var castGains: [Double]

    public init(colours: [NamedColour], tooDark: Bool, castGains: [Double]) {
        self.colours = colours
        self.tooDark = tooDark
        self.castGains = castGains
    }

    /// "dark blue, with some white" and the like.
    public var spoken: String { ColourPhrases.sentence(self) }
}

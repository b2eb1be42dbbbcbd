/// The everyday colour names assist says, each with a typical sRGB value; a measured colour is
/// called by the nearest of them in CIEDE2000.
public enum ColourPalette {
    public struct Entry: Sendable {
        public let name: String
        public let lab: LabColour
    }

    /// 29 names: the basic colour terms with their light and dark forms where people use them
    /// (navy, not "dark blue"; beige and cream for the pale yellows and browns).
    public static let entries: [Entry] = [
        ("black", 20, 20, 20), ("dark grey", 70, 70, 70), ("grey", 128, 128, 128),
        ("light grey", 192, 192, 192), ("white", 245, 245, 245),
        ("red", 200, 30, 35), ("dark red", 120, 15, 20), ("pink", 240, 150, 180), ("magenta", 210, 30, 160),
        ("orange", 240, 130, 20), ("brown", 125, 75, 35), ("dark brown", 70, 45, 25),
        ("beige", 220, 200, 160), ("cream", 250, 240, 200), ("yellow", 240, 215, 30), ("gold", 200, 160, 40),
        ("olive", 120, 120, 40), ("khaki", 190, 180, 110),
        ("green", 40, 150, 50), ("dark green", 20, 80, 35), ("light green", 150, 220, 130),
        ("teal", 0, 128, 128), ("turquoise", 60, 200, 200),
        ("light blue", 150, 195, 235), ("blue", 30, 80, 200), ("navy", 20, 30, 90),
        ("purple", 110, 40, 140), ("lilac", 190, 160, 220), ("dark purple", 60, 20, 70),
    ].map { Entry(name: $0.0, lab: LabColour(srgb: $0.1, $0.2, $0.3)) }

    /// The nearest name and its CIEDE2000 distance.
    public static func nearest(_ colour: LabColour) -> (name: String, distance: Double) {
        var best = entries[0], bestDistance = Double.infinity
        for entry in entries {
            let d = colour.difference(entry.lab)
            if d < bestDistance { best = entry; bestDistance = d }
        }
        return (best.name, bestDistance)
    }
}

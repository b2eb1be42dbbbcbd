/// The everyday colour names (PhotoAnalysis's `ColourPalette`, which names colours in English)
/// in each catalogue's language. German colour words are nouns here ("Marineblau"), as they
/// stand alone or after "mit etwas".
enum ColourNames {
    static let german: [String: String] = [
        "black": "Schwarz", "dark grey": "Dunkelgrau", "grey": "Grau", "light grey": "Hellgrau", "white": "Weiß",
        "red": "Rot", "dark red": "Dunkelrot", "pink": "Rosa", "magenta": "Magenta", "orange": "Orange",
        "brown": "Braun", "dark brown": "Dunkelbraun", "beige": "Beige", "cream": "Cremeweiß", "yellow": "Gelb",
        "gold": "Goldgelb", "olive": "Olivgrün", "khaki": "Khaki", "green": "Grün", "dark green": "Dunkelgrün",
        "light green": "Hellgrün", "teal": "Blaugrün", "turquoise": "Türkis", "light blue": "Hellblau", "blue": "Blau",
        "navy": "Marineblau", "purple": "Lila", "lilac": "Flieder", "dark purple": "Dunkellila",
    ]
}

extension MessageCatalogue {
    /// `english` (a `ColourPalette` name) in this catalogue's language; a name without a
    /// translation is said as it is.
    public func colourName(_ english: String) -> String {
        switch language {
        case .english: return english
        case .german: return ColourNames.german[english] ?? english
        }
    }
}

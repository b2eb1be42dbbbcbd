import Foundation

/// One product from the database.
public struct Product: Codable, Sendable, Equatable {
    /// The code as the import file gave it.
    public var code: String
    public var name: String?
    public var brand: String?
    public var quantity: String?
    /// Allergens as plain words ("milk", "nuts"), from Open Food Facts' tags ("en:milk").
    public var allergens: [String]

    public init(code: String, name: String?, brand: String?, quantity: String?, allergens: [String]) {
        self.code = code
        self.name = name
        self.brand = brand
        self.quantity = quantity
        self.allergens = allergens
    }

    /// Open Food Facts' allergen field ("en:milk,en:soybeans", or plain words in some rows)
    /// as words: the language prefix and dashes dropped, duplicates removed, order kept.
    static func allergenWords(_ field: String) -> [String] {
        var out: [String] = []
        for part in field.split(separator: ",") {
            var word = part.trimmingCharacters(in: .whitespaces)
            if let colon = word.firstIndex(of: ":"), word.distance(from: word.startIndex, to: colon) <= 3 {
                word = String(word[word.index(after: colon)...])
            }
            word = word.replacingOccurrences(of: "-", with: " ").trimmingCharacters(in: .whitespaces)
            if !word.isEmpty, !out.contains(where: { $0.caseInsensitiveCompare(word) == .orderedSame }) {
                out.append(word)
            }
        }
        return out
    }
}

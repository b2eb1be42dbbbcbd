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

/// What a product code means to this person: their own label, a product from the database,
/// or nothing known.
public enum ProductMatch: Sendable, Equatable {
    /// A personal label (it wins over the database); the database's product too, if any.
    case labelled(String, ProductCode, Product?)
    case product(Product, ProductCode)
    case unknown(ProductCode)

    /// The sentence to speak.
    public var spoken: String {
        switch self {
        case let .labelled(label, _, _):
            return ProductPhrases.labelled(label)
        case let .product(product, _):
            return ProductPhrases.product(product)
        case let .unknown(code):
            return ProductPhrases.unknown(code)
        }
    }
}

/// The sentences about products, in one place so that they can move to the message catalogue.
public enum ProductPhrases {
    /// "Your label: Grandma's plum jam."
    public static func labelled(_ label: String) -> String {
        "Your label: \(sentence(label))"
    }

    /// "Hazelnut spread, by Ferrero, 400 g. Allergens: milk, nuts and soybeans."
    public static func product(_ p: Product) -> String {
        var head = p.name ?? "A product without a name"
        if let brand = p.brand { head += ", by \(brand)" }
        if let quantity = p.quantity { head += ", \(quantity)" }
        var out = sentence(head)
        if !p.allergens.isEmpty { out += " Allergens: \(list(p.allergens))." }
        return out
    }

    /// "I do not know this product. Its code is 4 006381 333931. To name it, use assist label and the name."
    public static func unknown(_ code: ProductCode) -> String {
        "I do not know this product. Its code is \(code.spokenDigits). To name it, use assist label and the name."
    }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// The text with a full stop, unless it already ends in punctuation.
    static func sentence(_ text: String) -> String {
        guard let last = text.last else { return text }
        return ".!?".contains(last) ? text : text + "."
    }
}

import Foundation

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

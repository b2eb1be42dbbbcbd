import Foundation

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

/// What an import did.
public struct ImportSummary: Sendable, Equatable {
    /// Products now in the database.
    public var products: Int
    /// Rows read (the header not counted).
    public var rows: Int
    /// Rows left out because their code is empty or not digits (Open Food Facts has some).
    public var skipped: Int
    public var seconds: Double
}

/// How far an import has come; passed to the progress callback about every 5,000 rows and once
/// at the end.
public struct ImportProgress: Sendable, Equatable {
    public var bytesRead: Int
    public var totalBytes: Int
    public var rows: Int

    public init(bytesRead: Int, totalBytes: Int, rows: Int) {
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.rows = rows
    }

    /// 0...1, by bytes.
    public var fraction: Double { totalBytes > 0 ? min(1, Double(bytesRead) / Double(totalBytes)) : 1 }
}

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

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

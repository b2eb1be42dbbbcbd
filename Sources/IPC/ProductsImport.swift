/// Fields of a `products_import` request. The file itself comes as a descriptor passed with
/// SCM_RIGHTS alongside the frame (the daemon, as its own user, may not be able to open the
/// client's path).
public struct ProductsImportRequest: Codable, Sendable, Equatable {
    /// The file's name for progress, errors and logs; the daemon never opens it.
    public var name: String

    public init(name: String) {
        self.name = name
    }
}

/// How far a products import has come, on `products_import_progress` events.
public struct ProductsImportProgress: Codable, Sendable, Equatable {
    /// The file's name as the request gave it.
    public var name: String
    /// Product rows read so far (the header not counted).
    public var rows: Int
    public var bytesRead: Int
    public var totalBytes: Int

    public init(name: String, rows: Int, bytesRead: Int, totalBytes: Int) {
        self.name = name; self.rows = rows; self.bytesRead = bytesRead; self.totalBytes = totalBytes
    }

    enum CodingKeys: String, CodingKey {
        case name, rows, bytesRead = "bytes_read", totalBytes = "total_bytes"
    }
}

/// The answer to a `products_import` that worked; the new database is in place.
public struct ProductsImportResult: Codable, Sendable, Equatable {
    /// Products now in the database.
    public var products: Int
    /// Rows read (the header not counted).
    public var rows: Int
    /// Rows left out because their code is empty or not digits.
    public var skipped: Int
    public var seconds: Double

    public init(products: Int, rows: Int, skipped: Int, seconds: Double) {
        self.products = products; self.rows = rows; self.skipped = skipped; self.seconds = seconds
    }
}

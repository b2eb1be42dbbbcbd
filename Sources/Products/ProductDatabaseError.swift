/// What went wrong with the product database or an import; each case names the file and,
/// for an import, the line.
public enum ProductDatabaseError: Error, CustomStringConvertible, Equatable {
    /// The import file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file has no header naming a `code` column (nor starts with a code).
    case noCodeColumn(path: String, header: String)
    /// A row has a different number of fields than the header: most often a file cut off in
    /// the middle of its last line.
    case fieldCount(path: String, line: Int, found: Int, expected: Int)
    /// A quoted field (comma-separated files) that is never closed.
    case unterminatedQuote(path: String, line: Int)
    /// Bytes that are not UTF-8.
    case invalidUTF8(path: String, line: Int)
    /// A line far longer than any product record.
    case lineTooLong(path: String, line: Int, limit: Int)
    /// The file held no product rows.
    case empty(path: String)
    /// SQLite refused (disk full, a damaged database file, ...).
    case sqlite(path: String, message: String)
    /// A personal label that is empty or too long to speak.
    case badLabel(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read the product file \(path): \(reason)"
        case let .noCodeColumn(path, header):
            return "\(path): the first line has no 'code' column (it reads: \(header.prefix(120)))"
        case let .fieldCount(path, line, found, expected):
            return "\(path), line \(line): \(found) fields where the header has \(expected); the file may be cut off or damaged"
        case let .unterminatedQuote(path, line):
            return "\(path), line \(line): a quoted field starts here and is never closed"
        case let .invalidUTF8(path, line):
            return "\(path), line \(line): text that is not UTF-8"
        case let .lineTooLong(path, line, limit):
            return "\(path), line \(line): longer than \(limit) bytes; this is not a product file"
        case let .empty(path):
            return "\(path) holds no products"
        case let .sqlite(path, message):
            return "product database \(path): \(message)"
        case let .badLabel(label):
            return "the label '\(label.prefix(60))' is empty or longer than 200 characters"
        }
    }
}

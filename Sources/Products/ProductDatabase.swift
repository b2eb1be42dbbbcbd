import Foundation

/// The local product database in a state directory: `products.sqlite`, replaced whole by each
/// import, and `labels.sqlite`, the person's own names for codes, which imports never touch.
///
/// Every call opens the files it needs and closes them again, so an import (here or from another
/// process) that renames a new `products.sqlite` into place is seen by the next lookup, and a
/// lookup running during an import reads the old file to the end. Calls are serialised by a lock.
public final class ProductDatabase: Sendable {
    public let directory: URL
    public var productsPath: String { directory.appendingPathComponent("products.sqlite").path }
    public var labelsPath: String { directory.appendingPathComponent("labels.sqlite").path }
    private let lock = NSLock()
    /// Held for a whole import (one at a time: they share the temporary file), while `lock` is
    /// taken only to put the new file in place, so lookups go on during an import.
    private let importLock = NSLock()
    /// Rows between progress callbacks.
    static let progressEvery = 5000

    /// Creates `directory` (0700) if needed.
    public init(directory: URL) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ProductDatabaseError.unreadable(path: directory.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
    }

    // MARK: lookup

    /// What `code` means: a personal label first, then the database, else unknown.
    public func lookup(_ code: ProductCode) throws -> ProductMatch {
        lock.lock()
        defer { lock.unlock() }
        let product = try findProduct(code)
        if let label = try findLabel(code) { return .labelled(label, code, product) }
        if let product { return .product(product, code) }
        return .unknown(code)
    }

    /// Products in the database (0 before the first import).
    public func productCount() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard FileManager.default.fileExists(atPath: productsPath) else { return 0 }
        let db = try SQLite(path: productsPath, readOnly: true)
        return Int(try db.prepare("SELECT count(*) FROM products").firstRow()?[0] ?? "0") ?? 0
    }

    private func findProduct(_ code: ProductCode) throws -> Product? {
        guard FileManager.default.fileExists(atPath: productsPath) else { return nil }
        let db = try SQLite(path: productsPath, readOnly: true)
        guard let row = try db.prepare("SELECT code, name, brand, quantity, allergens FROM products WHERE key = ?1")
            .firstRow([code.key]) else { return nil }
        let allergens = (row[4] ?? "").split(separator: "\n").map(String.init)
        return Product(code: row[0] ?? code.digits, name: row[1], brand: row[2], quantity: row[3], allergens: allergens)
    }

    // MARK: labels

    /// Gives `code` the person's own name; replaces an earlier label.
    public func setLabel(_ label: String, for code: ProductCode) throws {
        let text = label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 200 else { throw ProductDatabaseError.badLabel(label) }
        lock.lock()
        defer { lock.unlock() }
        let db = try openLabels()
        try db.prepare("INSERT OR REPLACE INTO labels (key, code, label) VALUES (?1, ?2, ?3)")
            .run([code.key, code.digits, text])
    }

    /// Removes the label of `code`; returns whether there was one.
    @discardableResult
    public func removeLabel(for code: ProductCode) throws -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard try findLabel(code) != nil else { return false }
        try openLabels().prepare("DELETE FROM labels WHERE key = ?1").run([code.key])
        return true
    }

    private func openLabels() throws -> SQLite {
        let db = try SQLite(path: labelsPath, create: true)
        try db.execute("CREATE TABLE IF NOT EXISTS labels (key TEXT PRIMARY KEY, code TEXT NOT NULL, label TEXT NOT NULL)")
        return db
    }

    private func findLabel(_ code: ProductCode) throws -> String? {
        guard FileManager.default.fileExists(atPath: labelsPath) else { return nil }
        let db = try openLabels()
        return try db.prepare("SELECT label FROM labels WHERE key = ?1").firstRow([code.key])?[0] ?? nil
    }

    // MARK: import

    /// Imports an Open Food Facts export (tab-separated, with its column names: `code`,
    /// `product_name`, `brands`, `quantity`, `allergens`, ...) or a simple `code,name` CSV (with
    /// or without that header) into a new `products.sqlite`.
    ///
    /// Atomic: the database is built in `products.sqlite.importing` beside it, synced, and
    /// renamed over the old one only when every line was read. A truncated or malformed file
    /// throws an error naming the line, and the old database stays as it was. Memory is bounded:
    /// the file is read in 64 KiB chunks, one record at a time. `progress` is called about
    /// every 5,000 rows and once at the end, on the calling thread. Rows whose code is empty or
    /// not digits are skipped and counted; of two rows with one code, the later wins.
    @discardableResult
    public func `import`(file: URL, progress: (ImportProgress) -> Void = { _ in }) throws -> ImportSummary {
        let start = Date()
        let path = file.path
        let format = try DelimitedReader.sniff(path: path)
        var reader = try DelimitedReader(path: path, format: format)
        return try importRecords(&reader, format: format, path: path, start: start, progress: progress)
    }

    /// `import(file:progress:)` from an open regular file (read from its start; the caller keeps
    /// and closes `descriptor`), which is how the daemon reads a file its client opened. `name`
    /// stands for the file in errors.
    @discardableResult
    public func `import`(descriptor: Int32, name: String, progress: (ImportProgress) -> Void = { _ in }) throws -> ImportSummary {
        let start = Date()
        let format = try DelimitedReader.sniff(descriptor: descriptor, name: name)
        var reader = try DelimitedReader(descriptor: descriptor, name: name, format: format)
        return try importRecords(&reader, format: format, path: name, start: start, progress: progress)
    }

    private func importRecords(_ reader: inout DelimitedReader, format: DelimitedReader.Format, path: String, start: Date,
                               progress: (ImportProgress) -> Void) throws -> ImportSummary {
        guard let first = try reader.next() else { throw ProductDatabaseError.empty(path: path) }
        let columns = Columns(header: first)
        guard let columns else {
            if format == .commas, first.count >= 2, ProductCode(first[0]) != nil {
                return try build(reader: &reader, columns: Columns.simple, firstRow: first, start: start, progress: progress)
            }
            throw ProductDatabaseError.noCodeColumn(path: path, header: first.joined(separator: format == .tabs ? " " : ","))
        }
        return try build(reader: &reader, columns: columns, firstRow: nil, start: start, progress: progress)
    }

    /// Where the wanted fields are in a row.
    struct Columns {
        var count: Int
        var code: Int
        var name: [Int]
        var brand: Int?
        var quantity: Int?
        var allergens: Int?

        static let simple = Columns(count: 2, code: 0, name: [1], brand: nil, quantity: nil, allergens: nil)

        init(count: Int, code: Int, name: [Int], brand: Int?, quantity: Int?, allergens: Int?) {
            self.count = count
            self.code = code
            self.name = name
            self.brand = brand
            self.quantity = quantity
            self.allergens = allergens
        }

        init?(header: [String]) {
            let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            // A UTF-8 byte order mark before the first column name.
            let cleaned = names.enumerated().map { $0.offset == 0 ? String($0.element.drop { $0 == "\u{FEFF}" }) : $0.element }
            func index(_ n: String) -> Int? { cleaned.firstIndex(of: n) }
            guard let code = index("code") else { return nil }
            self.init(count: header.count, code: code,
                      name: ["product_name", "name", "product_name_en", "generic_name", "abbreviated_product_name"].compactMap(index),
                      brand: index("brands") ?? index("brand"), quantity: index("quantity"),
                      allergens: index("allergens") ?? index("allergens_en"))
        }
    }

    private func build(reader: inout DelimitedReader, columns: Columns, firstRow: [String]?, start: Date,
                       progress: (ImportProgress) -> Void) throws -> ImportSummary {
        importLock.lock()
        defer { importLock.unlock() }
        let temporary = productsPath + ".importing"
        try? FileManager.default.removeItem(atPath: temporary)
        var succeeded = false
        defer { if !succeeded { try? FileManager.default.removeItem(atPath: temporary) } }
        var rows = 0, skipped = 0
        do {
            let db = try SQLite(path: temporary, create: true)
            // The file is private until renamed, and synced before that: no journal needed.
            try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -8192;")
            try db.execute("""
                CREATE TABLE products (key TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT, brand TEXT,
                                       quantity TEXT, allergens TEXT) WITHOUT ROWID
                """)
            let insert = try db.prepare("INSERT OR REPLACE INTO products VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            try db.execute("BEGIN")
            func field(_ row: [String], _ i: Int?) -> String? {
                guard let i else { return nil }
                let v = row[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            var pending = firstRow
            while let row = try pending ?? reader.next() {
                pending = nil
                rows += 1
                guard row.count == columns.count else {
                    throw ProductDatabaseError.fieldCount(path: reader.path, line: reader.line, found: row.count, expected: columns.count)
                }
                guard let code = ProductCode(row[columns.code]) else {
                    skipped += 1
                    continue
                }
                let name = columns.name.lazy.compactMap { field(row, $0) }.first
                let brand = field(row, columns.brand).map { String($0.split(separator: ",").first ?? Substring($0)).trimmingCharacters(in: .whitespaces) }
                let allergens = field(row, columns.allergens).map { Product.allergenWords($0).joined(separator: "\n") }
                try insert.run([code.key, code.digits, name, brand, field(row, columns.quantity), allergens])
                if rows % ProductDatabase.progressEvery == 0 {
                    progress(ImportProgress(bytesRead: reader.bytesRead, totalBytes: reader.totalBytes, rows: rows))
                }
            }
            try db.execute("COMMIT")
        }
        guard rows > skipped else { throw ProductDatabaseError.empty(path: reader.path) }
        lock.lock()
        defer { lock.unlock() }
        try durablyReplace(temporary, with: productsPath)
        succeeded = true
        progress(ImportProgress(bytesRead: reader.totalBytes, totalBytes: reader.totalBytes, rows: rows))
        let count = Int(try SQLite(path: productsPath, readOnly: true).prepare("SELECT count(*) FROM products").firstRow()?[0] ?? "0") ?? 0
        return ImportSummary(products: count, rows: rows, skipped: skipped, seconds: Date().timeIntervalSince(start))
    }

    /// fsync the new file, rename it over the old one, fsync the directory.
    private func durablyReplace(_ source: String, with destination: String) throws {
        func sync(_ path: String, directory: Bool) throws {
            let fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDWR)
            guard fd >= 0 else { throw ProductDatabaseError.sqlite(path: path, message: "cannot open to sync: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw ProductDatabaseError.sqlite(path: path, message: "fsync failed: \(String(cString: strerror(errno)))") }
        }
        try sync(source, directory: false)
        guard rename(source, destination) == 0 else {
            throw ProductDatabaseError.sqlite(path: destination, message: "cannot rename the new database into place: \(String(cString: strerror(errno)))")
        }
        try sync(directory.path, directory: true)
    }
}

import CSQLite
import Foundation

/// One SQLite connection: just enough of the C API for the product and label databases.
/// Not thread safe; `ProductDatabase` serialises its use.
final class SQLite {
    private var handle: OpaquePointer?
    let path: String

    /// Opens (and with `create`, creates) the database file at `path`.
    init(path: String, readOnly: Bool = false, create: Bool = false) throws {
        self.path = path
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw ProductDatabaseError.sqlite(path: path, message: message)
        }
        sqlite3_busy_timeout(handle, 2000)
    }

    deinit {
        sqlite3_close(handle)
    }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw ProductDatabaseError.sqlite(path: path, message: message)
        }
    }

    func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw ProductDatabaseError.sqlite(path: path, message: lastError)
        }
        return Statement(statement, owner: self)
    }

    var lastError: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection" }

    /// A prepared statement; finalized when released.
    final class Statement {
        private let statement: OpaquePointer
        private let owner: SQLite

        fileprivate init(_ statement: OpaquePointer, owner: SQLite) {
            self.statement = statement
            self.owner = owner
        }

        deinit {
            sqlite3_finalize(statement)
        }

        /// Binds `values` to ?1, ?2, ... (nil binds NULL).
        func bind(_ values: [String?]) throws {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            for (i, value) in values.enumerated() {
                let rc: Int32
                if let value {
                    rc = sqlite3_bind_text(statement, Int32(i + 1), value, -1, assist_sqlite_transient())
                } else {
                    rc = sqlite3_bind_null(statement, Int32(i + 1))
                }
                guard rc == SQLITE_OK else { throw ProductDatabaseError.sqlite(path: owner.path, message: owner.lastError) }
            }
        }

        /// Runs a statement that returns no rows.
        func run(_ values: [String?] = []) throws {
            try bind(values)
            guard sqlite3_step(statement) == SQLITE_DONE else {
                throw ProductDatabaseError.sqlite(path: owner.path, message: owner.lastError)
            }
        }

        /// Runs a query and returns its first row's columns as text (nil for NULL), or nil for no row.
        func firstRow(_ values: [String?] = []) throws -> [String?]? {
            try bind(values)
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                return (0..<sqlite3_column_count(statement)).map { column in
                    sqlite3_column_text(statement, column).map { String(cString: $0) }
                }
            case SQLITE_DONE:
                return nil
            default:
                throw ProductDatabaseError.sqlite(path: owner.path, message: owner.lastError)
            }
        }
    }
}

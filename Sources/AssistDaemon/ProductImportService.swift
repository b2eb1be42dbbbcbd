import Foundation
import IPC
import Messages
import Products
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `products_import`: replaces the daemon's product database (`products.sqlite` in the state
/// directory) with a file the client opened and passed as a descriptor.
///
/// The database belongs to the daemon (its state directory, its user), and the daemon may not
/// be allowed to open the client's path, so it reads the client's open file. The import runs on
/// a thread of its own, never the socket thread, one at a time; `ProductDatabase.import` keeps
/// memory bounded (a 64 KiB read buffer, one record, SQLite's 8 MiB cache) and is atomic: on
/// any error the old database stays and answers lookups. Progress goes to event subscribers;
/// the end is said aloud (how many products, how many lines skipped, or the line it stopped at).
final class ProductImportService: Sendable {
    let database: ProductDatabase
    private let narrator: Narrator
    private let events: EventHub
    private let catalogue: Locked<MessageCatalogue>
    /// The name of the file being imported, while one is.
    private let running = Locked<String?>(nil)

    init(stateDirectory: String, narrator: Narrator, events: EventHub, language: Language) throws {
        database = try ProductDatabase(directory: URL(fileURLWithPath: stateDirectory))
        self.narrator = narrator
        self.events = events
        catalogue = Locked(MessageCatalogue(language: language))
    }

    /// The language of the spoken result (the `language` config key).
    func update(language: Language) {
        catalogue.withLock { $0 = MessageCatalogue(language: language) }
    }

    /// Starts importing from `descriptor` (which this takes over and closes) and answers through
    /// `reply` when the import ends; answers `busy` at once while another import runs.
    func handle(_ request: Request, descriptor: Int32, reply: @escaping @Sendable (ResponseBody) -> Void) {
        guard case .importProducts(let r) = request.body else {
            close(descriptor)
            return reply(.failure(RemoteError(.badRequest, "\(request.body.typeName) does not take a descriptor")))
        }
        let name = (r.name as NSString).lastPathComponent
        let free = running.withLock { r -> Bool in
            guard r == nil else { return false }
            r = name
            return true
        }
        guard free else {
            close(descriptor)
            let busy = running.withLock { $0 } ?? "another file"
            return reply(.failure(RemoteError(.busy, "a product import (\(busy)) is running; try again when it has finished")))
        }
        let thread = Thread { [self] in
            defer {
                close(descriptor)
                running.withLock { $0 = nil }
            }
            reply(run(name: name, descriptor: descriptor))
        }
        thread.name = "products-import"
        thread.start()
    }

    private func run(name: String, descriptor: Int32) -> ResponseBody {
        logInfo("products", "import started", ["file": name])
        do {
            let summary = try database.import(descriptor: descriptor, name: name) { p in
                var event = Event(kind: .productsImportProgress, time: Date().timeIntervalSince1970)
                event.productsProgress = ProductsImportProgress(name: name, rows: p.rows, bytesRead: p.bytesRead, totalBytes: p.totalBytes)
                events.emit(event)
            }
            logInfo("products", "import finished", ["file": name, "products": summary.products, "rows": summary.rows,
                                                    "skipped": summary.skipped, "ms": Int(summary.seconds * 1000)])
            say(.productsImported(count: summary.products, skipped: summary.skipped))
            return .productsImported(ProductsImportResult(products: summary.products, rows: summary.rows,
                                                          skipped: summary.skipped, seconds: summary.seconds))
        } catch {
            logWarning("products", "import failed; the old database is kept", ["file": name, "reason": "\(error)"])
            if let line = (error as? ProductDatabaseError)?.line {
                say(.productsImportFailed(line: line))
            } else {
                say(.productsImportUnreadable)
            }
            return .failure(RemoteError(.importFailed, "\(error); the old product database is kept"))
        }
    }

    private func say(_ message: Message) {
        narrator.say([catalogue.withLock { $0.text(message) }], kind: .message)
    }
}

extension ProductDatabaseError {
    /// The line of the file the error is about, when it is about one.
    var line: Int? {
        switch self {
        case .fieldCount(_, let line, _, _), .unterminatedQuote(_, let line), .invalidUTF8(_, let line),
             .lineTooLong(_, let line, _):
            return line
        case .unreadable, .noCodeColumn, .empty, .sqlite, .badLabel:
            return nil
        }
    }
}

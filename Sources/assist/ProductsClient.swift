import Foundation
import IPC
#if canImport(Glibc)
import Glibc
#endif

/// `assist products import FILE`: hands an Open Food Facts export (or a `code,name` CSV) to
/// assistd as an open descriptor, prints the import's progress events, then the result.
enum ProductsClient {
    static func run(_ o: ClientCommand.Options) throws -> ExitCode {
        guard o.rest.first == "import" else {
            throw ClientCommand.UsageError(message: "products needs a subcommand: products import FILE")
        }
        let p = try ClientCommand.options(Array(o.rest.dropFirst()))
        guard p.positional.count == 1 else { throw ClientCommand.UsageError(message: "products import needs one FILE") }
        let file = p.positional[0]
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            ClientCommand.say("assist: cannot open \(file): \(String(cString: strerror(errno)))")
            return .requestFailed
        }
        defer { close(fd) }
        let name = (file as NSString).lastPathComponent
        let path = ClientCommand.socketPath(o)
        // No answer and no progress for this long means assistd is stuck; progress comes about
        // every 5,000 rows.
        let stall = o.timeout ?? 120
        do {
            let connection = try FrameConnection(path: path)
            // Subscribed first, on the same connection, so every progress event is seen.
            let subscribed = try connection.call(.events, timeout: stall)
            guard case .subscribed = subscribed.body else { return ClientCommand.show(subscribed, json: o.json, path: path) }
            let id = try connection.send(.importProducts(ProductsImportRequest(name: name)), descriptor: fd)
            while true {
                let r = try connection.receive(timeout: stall)
                if r.id == id || (r.id == 0 && !isEvent(r)) { return ClientCommand.show(r, json: o.json, path: path) }
                guard case .event(let e) = r.body, e.kind == .productsImportProgress,
                      let progress = e.productsProgress, progress.name == name else { continue }
                if o.json {
                    ClientCommand.printJSON(r)
                } else {
                    let percent = progress.totalBytes > 0 ? " (\(100 * progress.bytesRead / progress.totalBytes)%)" : ""
                    print("\(progress.rows) rows read\(percent)")
                }
                fflush(nil)
            }
        } catch let e as UnixSocketError {
            return ClientCommand.report(e, path: path)
        }
    }

    private static func isEvent(_ r: Response) -> Bool {
        if case .event = r.body { return true }
        return false
    }

    /// The line printed for a finished import.
    static func show(_ r: ProductsImportResult) {
        print("Imported \(r.products) products from \(r.rows) rows; \(r.skipped) rows skipped (no usable code), in \(String(format: "%.1f", r.seconds)) s.")
    }
}

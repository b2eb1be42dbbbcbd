import Foundation
import Products
import XCTest

/// Imports the Open Food Facts-layout fixture (Tests/Fixtures/everyday/products, written by
/// scripts/make_everyday_fixtures.py) into a real SQLite database in a temporary state directory.
final class ProductDatabaseTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/everyday/products")
    var state: URL!

    override func setUpWithError() throws {
        state = FileManager.default.temporaryDirectory.appendingPathComponent("products-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: state)
    }

    func code(_ s: String, upcE: Bool = false) throws -> ProductCode { try XCTUnwrap(ProductCode(s, upcE: upcE)) }

    func importSample() throws -> (ProductDatabase, ImportSummary, [ImportProgress]) {
        let db = try ProductDatabase(directory: state)
        var seen: [ImportProgress] = []
        let summary = try db.import(file: Self.fixtures.appendingPathComponent("openfoodfacts-sample.tsv")) { seen.append($0) }
        return (db, summary, seen)
    }

    func testOpenFoodFactsImportAndSpokenAnswers() throws {
        let (db, summary, progress) = try importSample()
        XCTAssertEqual(summary.rows, 309)
        XCTAssertEqual(summary.skipped, 2, "the empty code and 'not-a-code'")
        XCTAssertEqual(summary.products, 307)
        XCTAssertEqual(try db.productCount(), 307)
        XCTAssertEqual(progress.last, ImportProgress(bytesRead: progress.last!.totalBytes, totalBytes: progress.last!.totalBytes, rows: 309))
        XCTAssertEqual(try db.lookup(try code("4006381333931")).spoken,
                       "Hazelnut spread, by Nussbaum, 400 g. Allergens: milk, nuts and soybeans.")
        // Stored as 13 digits with a leading 0, scanned as UPC-A; quotes kept as they are.
        XCTAssertEqual(try db.lookup(try code("036000291452")).spoken, "Tissues \"Soft\" 3-ply, by Softly, 2 x 80.")
        // UPC-E as zbar reads it, stored as its UPC-A.
        XCTAssertEqual(try db.lookup(try code("01234565", upcE: true)).spoken, "Pea soup, by Grünfeld, 500 ml. Allergens: celery.")
        XCTAssertEqual(try db.lookup(try code("96385074")).spoken, "Crème brûlée, by Pâtisserie Émile, 2 x 100 g. Allergens: eggs and milk.")
        XCTAssertEqual(try db.lookup(try code("5012345678900")).spoken, "12\" pizza Margherita, by Forno, 350 g. Allergens: gluten and milk.")
        // An opening quote never closed must not swallow the lines after it.
        XCTAssertEqual(try db.lookup(try code("8412345678905")).spoken, "Aceitunas \"Sevillanas, by Olivar Ñandú, 150 g. Allergens: sulfitos.")
        XCTAssertEqual(try db.lookup(try code("4901234567894")).spoken, "緑茶 Green tea, by Kyoto Cha, 20 x 2 g.")
    }

    func testUnknownCodeAndPersonalLabels() throws {
        let (db, _, _) = try importSample()
        let unknown = try code("4006381333948")
        XCTAssertEqual(try db.lookup(unknown), .unknown(unknown))
        XCTAssertEqual(try db.lookup(unknown).spoken,
                       "I do not know this product. Its code is 4 006381 333948. To name it, use assist label and the name.")
        XCTAssertEqual(try code("036000291452").spokenDigits, "0 36000 29145 2")
        XCTAssertEqual(try code("96385074").spokenDigits, "9638 5074")

        try db.setLabel("Grandma's plum jam", for: unknown)
        XCTAssertEqual(try db.lookup(unknown).spoken, "Your label: Grandma's plum jam.")
        // A label wins over the database, and survives a new import.
        let known = try code("4006381333931")
        try db.setLabel("  My breakfast spread ", for: known)
        guard case let .labelled(label, _, product?) = try db.lookup(known) else { return XCTFail("not labelled") }
        XCTAssertEqual(label, "My breakfast spread")
        XCTAssertEqual(product.name, "Hazelnut spread")
        try db.import(file: Self.fixtures.appendingPathComponent("simple.csv"))
        XCTAssertEqual(try db.lookup(known).spoken, "Your label: My breakfast spread.")
        XCTAssertTrue(try db.removeLabel(for: known))
        XCTAssertFalse(try db.removeLabel(for: known))
        XCTAssertEqual(try db.lookup(known).spoken, "Hazelnut spread.")
        XCTAssertThrowsError(try db.setLabel("   ", for: known)) {
            XCTAssertEqual($0 as? ProductDatabaseError, .badLabel("   "))
        }
    }

    func testSimpleCSVWithQuotes() throws {
        let db = try ProductDatabase(directory: state)
        let summary = try db.import(file: Self.fixtures.appendingPathComponent("simple.csv"))
        XCTAssertEqual(summary.products, 4)
        XCTAssertEqual(try db.lookup(try code("96385074")).spoken, "Crème brûlée, vanilla.")
        XCTAssertEqual(try db.lookup(try code("0036000291452")).spoken, "Tissues \"Soft\".")
        XCTAssertEqual(try db.lookup(try code("5012345678900")).spoken, "Pizza\nfamily size.")
        // Without a header line too.
        let bare = state.appendingPathComponent("bare.csv")
        try "4006381333931,Spread\n96385074,Cream\n".write(to: bare, atomically: true, encoding: .utf8)
        XCTAssertEqual(try db.import(file: bare).products, 2)
        XCTAssertEqual(try db.lookup(try code("4006381333931")).spoken, "Spread.")
    }

    /// A truncated or malformed file: an error naming the line, and the old database kept.
    func testBadFilesNameTheLineAndKeepTheOldDatabase() throws {
        let (db, _, _) = try importSample()
        let sample = try Data(contentsOf: Self.fixtures.appendingPathComponent("openfoodfacts-sample.tsv"))
        func attempt(_ name: String, _ data: Data) -> ProductDatabaseError? {
            let file = state.appendingPathComponent(name)
            FileManager.default.createFile(atPath: file.path, contents: data)
            do {
                try db.import(file: file)
                return nil
            } catch {
                return error as? ProductDatabaseError
            }
        }
        let path = { (name: String) in self.state.appendingPathComponent(name).path }
        // Cut off in the middle of line 200 (the header is line 1).
        var offset = 0, line = 1
        while line < 200 { if sample[offset] == 0x0A { line += 1 }; offset += 1 }
        XCTAssertEqual(attempt("cut.tsv", sample.prefix(offset + 150)),
                       .fieldCount(path: path("cut.tsv"), line: 200, found: 26, expected: 83))
        // Bytes that are not UTF-8 on line 57.
        var broken = sample
        offset = 0; line = 1
        while line < 57 { if broken[offset] == 0x0A { line += 1 }; offset += 1 }
        broken[offset + 2] = 0xFF
        XCTAssertEqual(attempt("latin.tsv", broken), .invalidUTF8(path: path("latin.tsv"), line: 57))
        // A quoted CSV field never closed, starting on line 3.
        XCTAssertEqual(attempt("quote.csv", Data("code,name\n4006381333931,Spread\n96385074,\"Cream\n1,2\n".utf8)),
                       .unterminatedQuote(path: path("quote.csv"), line: 3))
        XCTAssertEqual(attempt("nohead.tsv", Data("id\tname\n1\tx\n".utf8)),
                       .noCodeColumn(path: path("nohead.tsv"), header: "id name"))
        XCTAssertEqual(attempt("empty.tsv", Data()), .empty(path: path("empty.tsv")))
        XCTAssertEqual(ProductDatabaseError.fieldCount(path: "f.tsv", line: 200, found: 11, expected: 87).description,
                       "f.tsv, line 200: 11 fields where the header has 87; the file may be cut off or damaged")
        // The database from the good import is untouched, and no temporary file is left.
        XCTAssertEqual(try db.productCount(), 307)
        XCTAssertEqual(try db.lookup(try code("4006381333931")).spoken,
                       "Hazelnut spread, by Nussbaum, 400 g. Allergens: milk, nuts and soybeans.")
        XCTAssertFalse(FileManager.default.fileExists(atPath: db.productsPath + ".importing"))
    }

    /// 100,000 rows in the Open Food Facts layout: the peak resident memory while importing
    /// (VmHWM, reset through /proc/self/clear_refs) must stay far below the file's size.
    func testLargeImportIsBoundedInMemory() throws {
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let file = state.appendingPathComponent("big.tsv")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let out = try FileHandle(forWritingTo: file)
        let header = try String(contentsOf: Self.fixtures.appendingPathComponent("openfoodfacts-sample.tsv"), encoding: .utf8)
            .prefix { $0 != "\n" }
        let columns = header.split(separator: "\t").count
        out.write(Data((header + "\n").utf8))
        var chunk = ""
        let filler = String(repeating: "ingredients, ", count: 20)
        for i in 0..<100_000 {
            var fields = [String](repeating: "", count: columns)
            fields[0] = String(format: "29%011d", i)
            fields[10] = "Product number \(i) \"Größe\" L"
            fields[13] = "\(i % 900 + 100) g"
            fields[18] = "Brand \(i % 97)"
            fields[42] = filler
            fields[45] = "en:milk,en:gluten"
            chunk += fields.joined(separator: "\t") + "\n"
            if i % 1000 == 999 {
                out.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        try out.close()
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        let before = try Self.residentPeakAfterReset()
        var calls = 0, lastRows = 0
        let summary = try ProductDatabase(directory: state).import(file: file) { p in
            calls += 1
            XCTAssertGreaterThanOrEqual(p.rows, lastRows)
            lastRows = p.rows
        }
        let peak = try Self.status("VmHWM")
        print(String(format: "import of %d rows, %.1f MB: %.2f s, peak RSS rose %.1f MB (from %.1f to %.1f MB), %d progress calls",
                     summary.rows, Double(size) / 1e6, summary.seconds, Double(peak - before) / 1024,
                     Double(before) / 1024, Double(peak) / 1024, calls))
        XCTAssertEqual(summary.products, 100_000)
        XCTAssertEqual(calls, 21)
        XCTAssertLessThan(peak - before, 40 * 1024, "peak RSS grew by more than 40 MB while importing")
        XCTAssertLessThan(Double(peak - before) * 1024, Double(size) / 2)
    }

    /// Resets the peak resident set size to the current one (Linux 4.0+) and returns it, KiB.
    static func residentPeakAfterReset() throws -> Int {
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return try status("VmHWM")
    }

    static func status(_ key: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(key + ":") })
        return try XCTUnwrap(Int(line.split(separator: " ").dropFirst().first ?? ""))
    }
}

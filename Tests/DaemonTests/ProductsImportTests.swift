import Foundation
import IPC
import Products
import XCTest

/// `assist products import` through the built daemon and client: the client passes its open file,
/// the daemon imports it into the product database in its state directory, which the test then
/// reads with `ProductDatabase` directly (the product mode that looks codes up is not part of
/// this). Fixtures: Tests/Fixtures/everyday/products (an Open Food Facts-layout export of 309
/// rows with odd quoting and UTF-8, and a simple code,name CSV).
final class ProductsImportTests: XCTestCase {
    static let products = DaemonHarness.fixtures.appendingPathComponent("everyday/products")
    static let sample = products.appendingPathComponent("openfoodfacts-sample.tsv").path
    static let simple = products.appendingPathComponent("simple.csv").path

    func lookup(_ h: DaemonHarness, _ code: String) throws -> String {
        try ProductDatabase(directory: URL(fileURLWithPath: h.state)).lookup(try XCTUnwrap(ProductCode(code))).spoken
    }

    /// The JSON frames `assist --json products import` printed, one per line.
    func frames(_ r: DaemonHarness.ClientResult) throws -> [[String: Any]] {
        try r.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    func testOpenFoodFactsThenSimpleCSVThenABrokenFileKeepsTheOldDatabase() throws {
        let h = try DaemonHarness()
        try h.start()
        let events = try h.events()

        let off = try h.client(["--json", "products", "import", Self.sample])
        XCTAssertEqual(off.status, 0, off.stderr + h.currentLog)
        let offFrames = try frames(off)
        let result = try XCTUnwrap(offFrames.last?["products"] as? [String: Any], off.stdout)
        XCTAssertEqual(result["products"] as? Int, 307)
        XCTAssertEqual(result["rows"] as? Int, 309)
        XCTAssertEqual(result["skipped"] as? Int, 2)
        let progress = try XCTUnwrap((offFrames.first?["event"] as? [String: Any])?["products_progress"] as? [String: Any], off.stdout)
        XCTAssertEqual(progress["name"] as? String, "openfoodfacts-sample.tsv")
        XCTAssertEqual(progress["rows"] as? Int, 309)
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == "Imported 307 products; 2 lines skipped." })
        XCTAssertEqual(try lookup(h, "4006381333931"), "Hazelnut spread, by Nussbaum, 400 g. Allergens: milk, nuts and soybeans.")
        XCTAssertEqual(try lookup(h, "4901234567894"), "緑茶 Green tea, by Kyoto Cha, 20 x 2 g.")
        XCTAssertEqual(try lookup(h, "8412345678905"), "Aceitunas \"Sevillanas, by Olivar Ñandú, 150 g. Allergens: sulfitos.")

        // A code,name CSV replaces the whole database.
        let simple = try h.client(["products", "import", Self.simple])
        XCTAssertEqual(simple.status, 0, simple.stderr)
        XCTAssertTrue(simple.stdout.contains("Imported 4 products from 4 rows; 0 rows skipped"), simple.stdout)
        XCTAssertEqual(try lookup(h, "96385074"), "Crème brûlée, vanilla.")
        XCTAssertEqual(try ProductDatabase(directory: URL(fileURLWithPath: h.state)).productCount(), 4)

        // Cut off in the middle of line 200: the error names the line, the CSV's database stays.
        let sample = try Data(contentsOf: URL(fileURLWithPath: Self.sample))
        var offset = 0, line = 1
        while line < 200 { if sample[offset] == 0x0A { line += 1 }; offset += 1 }
        let cut = h.root + "/cut.tsv"
        try sample.prefix(offset + 150).write(to: URL(fileURLWithPath: cut))
        let broken = try h.client(["products", "import", cut])
        XCTAssertEqual(broken.status, 1, broken.stdout)
        XCTAssertTrue(broken.stderr.contains("cut.tsv, line 200: 26 fields where the header has 83"), broken.stderr)
        XCTAssertTrue(broken.stderr.contains("the old product database is kept"), broken.stderr)
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == "The product import stopped at line 200. The old product list is kept." })
        XCTAssertEqual(try lookup(h, "96385074"), "Crème brûlée, vanilla.")
        XCTAssertEqual(try ProductDatabase(directory: URL(fileURLWithPath: h.state)).productCount(), 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.state + "/products.sqlite.importing"))

        // Not a product file at all, and a missing file.
        let notes = h.root + "/notes.txt"
        try "id,text\n1,hello\n".write(toFile: notes, atomically: true, encoding: .utf8)
        let refused = try h.client(["products", "import", notes])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("notes.txt: the first line has no 'code' column"), refused.stderr)
        let missing = try h.client(["products", "import", h.root + "/nowhere.tsv"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("cannot open \(h.root)/nowhere.tsv"), missing.stderr)
        XCTAssertEqual(try ProductDatabase(directory: URL(fileURLWithPath: h.state)).productCount(), 4)
        XCTAssertNotNil(h.waitForStatus(timeout: 10), "the daemon stopped answering")
    }

    /// 12,000 rows: progress is printed as it comes (every 5,000 rows and at the end), and the
    /// socket answers `status` while the import runs on its own thread.
    func testLargeImportPrintsProgress() throws {
        let h = try DaemonHarness()
        try h.start()
        let header = try String(contentsOfFile: Self.sample, encoding: .utf8).prefix { $0 != "\n" }
        let columns = header.split(separator: "\t").count
        var text = header + "\n"
        for i in 0..<12_000 {
            var fields = [String](repeating: "", count: columns)
            fields[0] = String(format: "29%011d", i)
            fields[10] = "Product number \(i) \"Größe\" L"
            fields[18] = "Brand \(i % 97)"
            text += fields.joined(separator: "\t") + "\n"
        }
        let file = h.root + "/big.tsv"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try h.client(["products", "import", file])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasSuffix("%)") }.map { $0.prefix { $0 != " " } }, ["5000", "10000", "12000"], r.stdout)
        XCTAssertEqual(lines.last?.hasPrefix("Imported 12000 products from 12000 rows; 0 rows skipped"), true, r.stdout)
        XCTAssertEqual(try lookup(h, "2900000011999"), "Product number 11999 \"Größe\" L, by Brand 68.")
    }
}

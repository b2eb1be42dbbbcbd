import Foundation
import XCTest
import Glibc
import IPC
import Products

/// Product mode and codes in describe mode through the built daemon and client, on the 73
/// generated code photos (EAN-13, EAN-8, UPC-A, UPC-E, Code 128, QR: clean, turned 12-30
/// degrees, blurred, small in a big photo, cut off) and a product database imported from the
/// Open Food Facts-layout fixture.
final class CodeModeTests: XCTestCase {
    static let noModel = "/nonexistent/assist-test-model"

    /// A daemon whose state directory holds the fixture database, imported the way
    /// `assist products import` does (`ProductDatabase.import`).
    func daemonWithProducts(_ extra: [String: String] = [:]) throws -> DaemonHarness {
        let h = try DaemonHarness(config: ["model": Self.noModel].merging(extra) { $1 })
        let db = try ProductDatabase(directory: URL(fileURLWithPath: h.state))
        let summary = try db.import(file: Everyday.productFile)
        XCTAssertEqual(summary.rows, 309)
        XCTAssertEqual(summary.skipped, 2, "2 rows with bad codes")
        try h.start()
        return h
    }

    func testEveryCodeFixtureInProductMode() throws {
        let h = try daemonWithProducts()
        var read = 0, advised = 0, total = 0
        var table: [String: [String: String]] = [:]
        for entry in try Everyday.entries("codes") {
            let file = entry["file"] as? String ?? "", variant = entry["variant"] as? String ?? "", kind = entry["kind"] as? String ?? ""
            guard kind != "two" else { continue }
            total += 1
            let want = entry["data"] as? String ?? ""
            let a = ModeAnswer(description: try h.describe(Everyday.path(file), mode: "product"))
            XCTAssertEqual(a.mode, "product")
            let data = a.codes.map(\.data)
            XCTAssertTrue(data.allSatisfy { $0 == want }, "\(file) misread: \(data)")
            var cell = "-"
            if data.contains(want) {
                read += 1
                cell = "read"
            } else if let advice = a.result["code_advice"] as? String {
                advised += 1
                XCTAssertEqual(a.message, advice, file)
                cell = "advice"
                if let edge = entry["edge"] as? String {
                    let move = ["left": "left", "right": "right", "top": "up", "bottom": "down"][edge]!
                    XCTAssertTrue(advice.hasSuffix("at the \(edge) edge; move the camera \(move)."), "\(file): \(advice)")
                } else if variant.hasPrefix("blur") {
                    XCTAssertTrue(advice.hasSuffix("too blurred to read; hold the camera still and try again."), "\(file): \(advice)")
                }
            } else {
                XCTAssertEqual(a.message, "I could not find a bar code or QR code. Hold the code in front of the camera and try again.", file)
            }
            table[variant, default: [:]][kind] = cell
            // What must be read (docs/analysis.md, "Detection"): all but the strong blur and the sideways cuts.
            let mustRead = ["clean", "rot12", "rot22", "rot30", "blur1", "small"].contains(variant)
                || (["cuttop", "cutbottom"].contains(variant) && kind != "qr")
            if mustRead { XCTAssertEqual(cell, "read", "\(file): \(a.message)") }
            if variant.hasPrefix("cut") && kind != "qr" && cell != "read" || (variant.hasPrefix("cut") && kind == "qr") {
                XCTAssertEqual(cell, "advice", "a cut-off code gets aiming advice: \(file): \(a.message)")
            }
        }
        let kinds = ["ean13", "ean8", "upca", "upce", "code128", "qr"]
        print("variant | " + kinds.joined(separator: " | "))
        for variant in table.keys.sorted() { print("\(variant) | " + kinds.map { table[variant]?[$0] ?? "?" }.joined(separator: " | ")) }
        print("daemon product mode: \(read)/\(total) read, \(advised) advised")
        XCTAssertEqual(total, 72)
        XCTAssertGreaterThanOrEqual(read, 49, "the documented detection (docs/analysis.md)")
    }

    func testProductAnswersFromTheDatabaseAndTheQRCode() throws {
        let h = try daemonWithProducts()
        let events = try h.events()
        let ean = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "product", speak: true))
        XCTAssertEqual(ean.message, "Hazelnut spread, by Nussbaum, 400 g. Allergens: milk, nuts and soybeans.")
        XCTAssertEqual(ean.codes.first?.match, "product")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == ean.message }, "the answer is spoken")
        // UTF-8 names and a quantity with a multiplication.
        let ean8 = ModeAnswer(description: try h.describe(Everyday.path("codes/ean8-clean.jpg"), mode: "product"))
        XCTAssertEqual(ean8.message, "Crème brûlée, by Pâtisserie Émile, 2 x 100 g. Allergens: eggs and milk.")
        // A UPC-A scan finds the row stored as EAN-13 with a leading zero; its name keeps its quotes.
        let upca = ModeAnswer(description: try h.describe(Everyday.path("codes/upca-clean.jpg"), mode: "product"))
        XCTAssertEqual(upca.message, "Tissues \"Soft\" 3-ply, by Softly, 2 x 80.")
        let qr = ModeAnswer(description: try h.describe(Everyday.path("codes/qr-clean.jpg"), mode: "product"))
        XCTAssertEqual(qr.message, "A QR code with a link: example.org/soup?id=42.")
        let code128 = ModeAnswer(description: try h.describe(Everyday.path("codes/code128-clean.jpg"), mode: "product"))
        XCTAssertEqual(code128.message, "A Code 128 bar code: ASSIST-0042.")
        let two = ModeAnswer(description: try h.describe(Everyday.path("codes/two-codes.jpg"), mode: "product"))
        XCTAssertTrue(two.message.contains("Hazelnut spread, by Nussbaum") && two.message.contains("A QR code. It says: Plum jam, 2026"), two.message)
        let none = ModeAnswer(description: try h.describe(Everyday.path("colours/patch-red-neutral.jpg"), mode: "product"))
        XCTAssertEqual(none.message, "I could not find a bar code or QR code. Hold the code in front of the camera and try again.")
        XCTAssertEqual(none.codes.count, 0)
    }

    func testLabelsWinAndTheUnknownCodeSaysItsDigits() throws {
        // No database at all: every product code is unknown.
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let before = try h.client(["label", "Grandma's plum jam"])
        XCTAssertEqual(before.status, 1)
        XCTAssertTrue(before.stderr.contains("no product bar code"), before.stderr)

        let unknown = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "product"))
        XCTAssertEqual(unknown.message, "I do not know this product. Its code is 4 006381 333931. To name it, use assist label and the name.")
        XCTAssertEqual(unknown.codes.first?.match, "unknown")
        // Beside a description, an unknown code is its number; UPC-E as the UPC-A it stands for.
        let described = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "describe"))
        XCTAssertTrue(described.message.hasSuffix(" A bar code with the number 4 006381 333931."), described.message)
        let upce = ModeAnswer(description: try h.describe(Everyday.path("codes/upce-clean.jpg"), mode: "describe"))
        XCTAssertTrue(upce.message.hasSuffix(" A bar code with the number 0 12345 00006 5."), upce.message)
        _ = try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "product")
        let events = try h.events()
        let labelled = try h.client(["label", "Grandma's", "plum", "jam"])
        XCTAssertEqual(labelled.status, 0, labelled.stderr)
        XCTAssertEqual(labelled.stdout, "Label saved: Grandma's plum jam.\n")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == "Label saved: Grandma's plum jam." })
        let json = try h.client(["--json", "label", "Grandma's plum jam"])
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(o["code"] as? String, "4006381333931")
        XCTAssertEqual(o["label"] as? String, "Grandma's plum jam")

        let again = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-rot22.jpg"), mode: "product"))
        XCTAssertEqual(again.message, "Your label: Grandma's plum jam.")
        XCTAssertEqual(again.codes.first?.match, "label")
        let labelledDescription = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "describe"))
        XCTAssertTrue(labelledDescription.message.hasSuffix("A bar code: Your label: Grandma's plum jam."), labelledDescription.message)

        // Imported later, the database does not override the label.
        let db = try ProductDatabase(directory: URL(fileURLWithPath: h.state))
        _ = try db.import(file: Everyday.productFile)
        XCTAssertEqual(ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "product")).message,
                       "Your label: Grandma's plum jam.")
        let removed = try h.client(["label", "--remove"])
        XCTAssertEqual(removed.stdout, "Label removed.\n", removed.stderr)
        XCTAssertEqual(try h.client(["label", "--remove"]).stdout, "That code has no label.\n")
        XCTAssertEqual(ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: "product")).message,
                       "Hazelnut spread, by Nussbaum, 400 g. Allergens: milk, nuts and soybeans.")

        // The last photo decides: a QR code is not a product code, a photo without codes has none.
        _ = try h.describe(Everyday.path("codes/qr-clean.jpg"), mode: "product")
        let qr = try h.client(["label", "Soup"])
        XCTAssertEqual(qr.status, 1)
        XCTAssertTrue(qr.stderr.contains("QR code, not a product code"), qr.stderr)
        _ = try h.describe(Everyday.path("colours/patch-red-neutral.jpg"), mode: "colour")
        XCTAssertTrue(try h.client(["label", "Soup"]).stderr.contains("no product bar code"))
        XCTAssertEqual(try h.client(["label"]).status, 2, "label needs TEXT")
    }

    func testDescribeModeMentionsTheCodes() throws {
        let h = try daemonWithProducts()
        let ean = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-clean.jpg"), mode: nil))
        XCTAssertEqual(ean.mode, "describe")
        XCTAssertTrue(ean.message.hasSuffix(" A bar code: Hazelnut spread, by Nussbaum, 400 g. Allergens: milk, nuts and soybeans."), ean.message)
        XCTAssertNotNil(ean.description["quality"], "today's description is still there")
        let qr = ModeAnswer(description: try h.describe(Everyday.path("codes/qr-rot12.jpg"), mode: nil))
        XCTAssertTrue(qr.message.hasSuffix(" A QR code with a link: example.org/soup?id=42."), qr.message)
        // UPC-E is looked up as the UPC-A it stands for.
        let upce = ModeAnswer(description: try h.describe(Everyday.path("codes/upce-clean.jpg"), mode: nil))
        XCTAssertEqual(upce.codes.first?.match, "product")
        XCTAssertTrue(upce.message.contains(" A bar code: "), upce.message)
        let plain = ModeAnswer(description: try h.describe(Everyday.path("colours/patch-red-neutral.jpg"), mode: nil))
        XCTAssertEqual(plain.codes.count, 0)
        XCTAssertFalse(plain.message.contains("bar code"), plain.message)
    }
}

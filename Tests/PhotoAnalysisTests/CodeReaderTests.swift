import Foundation
import PhotoAnalysis
import XCTest

/// zbar decoding and the unreadable-code finder on the generated code photos
/// (Tests/Fixtures/everyday/codes). The detection table in docs/analysis.md is this test's output.
final class CodeReaderTests: XCTestCase {
    static let zbarNames: [String: CodeSymbol.Symbology] = [
        "EAN-13": .ean13, "EAN-8": .ean8, "UPC-A": .upcA, "UPC-E": .upcE, "CODE-128": .code128, "QR-Code": .qr,
    ]

    func testDetectionTable() throws {
        let reader = CodeReader()
        let rows = try EverydayFixtures.manifest().codes.filter { $0.kind != "two" }
        var table: [String: [String: String]] = [:]
        var decoded: [String: Int] = [:], total: [String: Int] = [:]
        var failures: [String] = []
        for row in rows {
            let scan = reader.scan(try EverydayFixtures.load(row.file))
            let want = try XCTUnwrap(Self.zbarNames[row.symbology])
            let hit = scan.symbols.contains { $0.symbology == want && $0.data == row.data }
            let wrong = scan.symbols.filter { !($0.symbology == want && $0.data == row.data) }
            if !wrong.isEmpty { failures.append("\(row.file): misread \(wrong.map { "\($0.symbology) \($0.data)" })") }
            var cell = hit ? "read" : "-"
            if !hit, let region = scan.unreadable.max(by: { $0.bounds.width * $0.bounds.height < $1.bounds.width * $1.bounds.height }) {
                cell = "region " + (region.cutEdges.isEmpty ? region.position.words : region.cutEdges.map(\.rawValue).joined(separator: "+"))
            }
            table[row.variant, default: [:]][row.kind] = cell
            total[row.variant, default: 0] += 1
            if hit { decoded[row.variant, default: 0] += 1 }
            print("\(row.file): \(cell) \(scan.advice ?? "")")
            // Every clean, turned (12-30 degrees), slightly blurred and small code must be read.
            if ["clean", "rot12", "rot22", "rot30", "blur1", "small"].contains(row.variant), !hit {
                failures.append("\(row.file): not read")
            }
            // A linear code cut off at the side cannot be read; the advice says where to move.
            if let edge = row.edge, row.kind != "qr", edge == "left" || edge == "right" {
                let move = edge
                if scan.advice != "A barcode is at the \(edge) edge; move the camera \(move)." {
                    failures.append("\(row.file): advice \(scan.advice ?? "none")")
                }
            }
            // A QR code cut off on any side: its finder patterns say where the rest is.
            if let edge = row.edge, row.kind == "qr" {
                let move = ["left": "left", "right": "right", "top": "up", "bottom": "down"][edge]!
                if scan.advice != "A QR code is at the \(edge) edge; move the camera \(move)." {
                    failures.append("\(row.file): advice \(scan.advice ?? "none")")
                }
            }
            if row.variant == "blur2", !hit, scan.advice?.contains("too blurred") != true {
                failures.append("\(row.file): blurred code without blur advice: \(scan.advice ?? "none")")
            }
        }
        // zbar alone, without the straightened and sharpened retries on the regions found.
        var plainOptions = CodeReader.Options()
        plainOptions.findUnreadable = false
        let plain = CodeReader(options: plainOptions)
        var plainRead = 0
        for row in rows {
            let want = try XCTUnwrap(Self.zbarNames[row.symbology])
            if plain.scan(try EverydayFixtures.load(row.file)).symbols.contains(where: { $0.symbology == want && $0.data == row.data }) {
                plainRead += 1
            }
        }
        let totalRead = decoded.values.reduce(0, +)
        print("read: \(totalRead)/\(rows.count) with the retries, \(plainRead)/\(rows.count) by zbar alone")
        XCTAssertGreaterThan(totalRead, plainRead, "the retries must read codes zbar alone misses")
        let kinds = ["ean13", "ean8", "upca", "upce", "code128", "qr"]
        print("| variant | " + kinds.joined(separator: " | ") + " | read |")
        for variant in ["clean", "rot12", "rot22", "rot30", "blur1", "blur2", "blur4", "small", "cutleft", "cutright", "cuttop", "cutbottom"] {
            let cells = kinds.map { table[variant]?[$0] ?? "?" }
            print("| \(variant) | " + cells.joined(separator: " | ") + " | \(decoded[variant] ?? 0)/\(total[variant] ?? 0) |")
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }
}

extension CodeReaderTests {
    /// Text pages, colour scenes and the analysis photos hold no code: no region may be
    /// reported in them.
    func testNoRegionsWithoutCodes() throws {
        let m = try EverydayFixtures.manifest()
        // The analysis photo "barcode-and-shelf" shows a bar code (drawn without a valid
        // encoding); the finder must see it, so it is checked on its own below.
        var files = m.documents.map(\.file) + m.labels.map(\.file) + m.colours.filter { $0.kind != "patch" }.map(\.file)
        let analysis = try FixtureImages.manifest()
        var analysisFiles = analysis.text.map(\.file) + analysis.notext.map(\.file)
        analysisFiles += analysis.quality.map(\.file)
        analysisFiles.removeAll { $0 == "notext/barcode-and-shelf.jpg" }
        var found: [String] = []
        let reader = CodeReader()
        for file in files {
            let scan = reader.scan(try EverydayFixtures.load(file))
            if !scan.symbols.isEmpty || !scan.unreadable.isEmpty { found.append("\(file): \(scan.unreadable.map(\.bounds))") }
        }
        for file in analysisFiles {
            let scan = reader.scan(try FixtureImages.load(file))
            if !scan.symbols.isEmpty || !scan.unreadable.isEmpty { found.append("\(file): \(scan.unreadable.map(\.bounds))") }
        }
        files += analysisFiles
        print("photos without codes: \(files.count), with a code or region reported: \(found.count)")
        XCTAssertEqual(found, [], found.joined(separator: "\n"))
        let shelf = reader.scan(try FixtureImages.load("notext/barcode-and-shelf.jpg"))
        XCTAssertEqual(shelf.unreadable.count, 1)
    }

    func testTwoCodesInOnePhotoAndWhatIsSaid() throws {
        let scan = CodeReader().scan(try EverydayFixtures.load("codes/two-codes.jpg"))
        XCTAssertEqual(Set(scan.symbols.map(\.data)), ["4006381333931", "Plum jam, 2026"])
        let ean = try XCTUnwrap(scan.productCode)
        XCTAssertEqual(ean.symbology, .ean13)
        XCTAssertLessThan(ean.bounds.x + ean.bounds.width / 2, 400, "the EAN-13 is in the left half")
        let qr = try XCTUnwrap(scan.symbols.first { $0.symbology == .qr })
        XCTAssertGreaterThan(qr.bounds.x, 400)
        XCTAssertEqual(qr.polygon.count, 4)
        XCTAssertEqual(CodePhrases.reading(qr), "A QR code. It says: Plum jam, 2026")
        XCTAssertNil(scan.advice)
        let url = CodeSymbol(symbology: .qr, data: "https://example.org/soup?id=42", polygon: [], quality: 1)
        XCTAssertEqual(CodePhrases.reading(url), "A QR code with a link: example.org/soup?id=42.")
    }

    func testAdviceForCornersAndSmallCodes() {
        func region(_ edges: [FrameEdge], _ position: FramePosition, _ fraction: Double) -> CodeRegion {
            CodeRegion(bounds: ImageRect(x: 0, y: 0, width: 10, height: 10), cutEdges: edges, position: position,
                       angle: 0, widthFraction: fraction, heightFraction: fraction)
        }
        XCTAssertEqual(CodePhrases.advice(for: region([.left, .top], .upperLeft, 0.3), width: 640, height: 480),
                       "A barcode is in the upper left corner; move the camera up and left.")
        XCTAssertEqual(CodePhrases.advice(for: region([], .lowerRight, 0.08), width: 640, height: 480),
                       "A barcode is at the lower right, but it is too small to read; move the camera closer to it.")
        XCTAssertEqual(CodePhrases.advice(for: region([.left, .right, .top], .middle, 1), width: 640, height: 480),
                       "A barcode fills the photo and goes past its edges; move the camera farther away.")
    }
}

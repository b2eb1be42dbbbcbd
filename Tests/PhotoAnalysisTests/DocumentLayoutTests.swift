import Foundation
import PhotoAnalysis
import XCTest

/// Rendered pages (Tests/Fixtures/everyday/documents) read by the real Tesseract: the layout
/// summary, the reading order of columns, cut-off edges, and the receipt.
final class DocumentLayoutTests: XCTestCase {
    static let reader = Result { try TextReader() }

    func layout(_ file: String) throws -> (DocumentLayout, ReadResult) {
        let image = try EverydayFixtures.load(file)
        let reading = try Self.reader.get().read(image)
        let layout = DocumentLayout.analyze(reading, image: image)
        print("\(file): \(layout.summary) [\(reading.lines.count) lines, \(String(format: "%.2f", reading.seconds)) s]")
        return (layout, reading)
    }

    func docs() throws -> [String: EverydayFixtures.Manifest.Document] {
        Dictionary(uniqueKeysWithValues: try EverydayFixtures.manifest().documents.map { ($0.file, $0) })
    }

    func testOneColumnPage() throws {
        let m = try XCTUnwrap(try docs()["documents/one-column.png"])
        let (layout, reading) = try layout(m.file)
        XCTAssertEqual(layout.columnCount, 1)
        XCTAssertEqual(layout.cutEdges, [])
        XCTAssertEqual(Double(layout.wordCount), Double(try XCTUnwrap(m.words)), accuracy: Double(m.words!) * 0.03)
        XCTAssertEqual(layout.summary, "A page of \(DocumentPhrases.approximately(m.words!)) in one column.")
        XCTAssertEqual(layout.document.paragraphCount, m.paragraphs?.count)
        XCTAssertTrue(layout.document.text.hasPrefix(try XCTUnwrap(m.paragraphs?.first?.split(separator: " ").prefix(6).joined(separator: " "))))
        // Each rendered sentence is one sentence of the document.
        XCTAssertEqual(layout.document.sentences.count, 22, layout.document.sentences.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(layout.document.sentences[0].text,
                       "Keep the kitchen tidy by putting things back where they belong after each use.")
        // Words carry boxes in photo pixels, inside the text area the page was rendered in.
        for word in reading.words {
            XCTAssertGreaterThanOrEqual(word.box.x, 80); XCTAssertLessThanOrEqual(word.box.maxX, 920)
        }
    }

    func testTwoColumnsAreReadLeftThenRight() throws {
        let m = try XCTUnwrap(try docs()["documents/two-columns.png"])
        let (layout, _) = try layout(m.file)
        XCTAssertEqual(layout.columnCount, 2)
        XCTAssertEqual(layout.cutEdges, [])
        XCTAssertEqual(layout.summary, "A page of \(DocumentPhrases.approximately(try XCTUnwrap(m.words))) in two columns.")
        let text = layout.document.text
        let leftStart = try XCTUnwrap(text.range(of: try XCTUnwrap(m.leftFirst).joined(separator: " ")))
        let rightStart = try XCTUnwrap(text.range(of: try XCTUnwrap(m.rightFirst).joined(separator: " ")))
        XCTAssertLessThan(leftStart.lowerBound, rightStart.lowerBound)
        XCTAssertTrue(text.hasPrefix(m.leftFirst!.joined(separator: " ")))
        // The left column's last paragraph ends before the right column's first begins.
        let paragraphs = text.components(separatedBy: "\n\n")
        XCTAssertEqual(paragraphs.count, 5)
        XCTAssertTrue(paragraphs[3].hasPrefix(m.rightFirst!.joined(separator: " ")), paragraphs[3])
        XCTAssertEqual(Set(layout.columns), [0, 1])
        XCTAssertEqual(layout.columns, layout.columns.sorted(), "all of column 0 before column 1")
    }

    func testCroppedPagesNameTheCutEdge() throws {
        for side in ["left", "right", "top", "bottom"] {
            let (layout, _) = try layout("documents/cut-\(side).png")
            XCTAssertEqual(layout.cutEdges.map(\.rawValue), [side], side)
            XCTAssertTrue(layout.summary.hasSuffix("; the \(side) edge is cut off."), layout.summary)
            XCTAssertEqual(layout.columnCount, 1, side)
        }
    }

    func testReceiptIsOneColumnWithItemsInOrder() throws {
        let m = try XCTUnwrap(try docs()["documents/receipt.png"])
        let (layout, _) = try layout(m.file)
        XCTAssertEqual(layout.columnCount, 1)
        XCTAssertEqual(layout.cutEdges, [])
        let text = layout.document.text
        var at = text.startIndex
        for item in try XCTUnwrap(m.items) {
            let r = try XCTUnwrap(text.range(of: item, range: at..<text.endIndex), "\(item) missing or out of order in \(text)")
            at = r.upperBound
        }
        XCTAssertTrue(text.contains(try XCTUnwrap(m.total)), text)
        // Each item and its price is one entry to move through, in order.
        let entries = layout.document.sentences.map(\.text)
        for (item, price) in zip(m.items!, ["1.19", "2.45", "1.80", "3.10", "2.99", "1.65", "2.30", "1.49"]) {
            XCTAssertTrue(entries.contains("\(item) \(price)"), "\(item) \(price) is not one entry: \(entries)")
        }
        XCTAssertTrue(layout.summary.hasPrefix("A page of about 40 words in one column"), layout.summary)
    }
}

extension DocumentLayoutTests {
    /// Word boxes come back in the photo's own pixels even when the photo had to be turned
    /// 180 degrees to be read: the analysis photo of upside-down text, and the same photo turned
    /// upright, give each word's box mirrored.
    func testWordBoxesOfAnUpsideDownPhotoAreInItsPixels() throws {
        let turned = try FixtureImages.load("text/library-serif-30-rot180.jpg")
        var flipped = [UInt8](repeating: 0, count: turned.rgb.count)
        let n = turned.width * turned.height
        for i in 0..<n {
            for c in 0..<3 { flipped[3 * (n - 1 - i) + c] = turned.rgb[3 * i + c] }
        }
        let upright = try PixelImage(width: turned.width, height: turned.height, rgb: flipped)
        let reader = try Self.reader.get()
        let a = try reader.read(upright), b = try reader.read(turned)
        XCTAssertEqual(a.rotation, 0)
        XCTAssertEqual(b.rotation, 180)
        XCTAssertFalse(a.words.isEmpty)
        XCTAssertEqual(a.words.map(\.text), b.words.map(\.text))
        for (p, q) in zip(a.words, b.words) {
            XCTAssertEqual(Double(q.box.x), Double(upright.width - p.box.maxX), accuracy: 3, p.text)
            XCTAssertEqual(Double(q.box.y), Double(upright.height - p.box.maxY), accuracy: 3, p.text)
            XCTAssertEqual(Double(q.box.width), Double(p.box.width), accuracy: 3, p.text)
        }
        XCTAssertEqual(DocumentLayout.analyze(b, image: turned).document.text, DocumentLayout.analyze(a, image: upright).document.text)
    }
}

import Foundation
import PhotoAnalysis
import XCTest

final class TextReaderTests: XCTestCase {
    /// Lowercased words with punctuation stripped, for word accuracy.
    static func words(_ s: String) -> [String] {
        s.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    /// Fraction of expected words read (each read word can match one expected word), and the
    /// read words that match nothing expected.
    static func accuracy(expected: [String], read: [String]) -> (Double, [String]) {
        var pool = read
        var hits = 0
        for word in expected {
            if let i = pool.firstIndex(of: word) {
                hits += 1
                pool.remove(at: i)
            }
        }
        return (Double(hits) / Double(expected.count), pool)
    }

    func testCleanRendersAreReadWithNinetyPercentWordAccuracy() throws {
        let reader = try TextReader()
        var expectedTotal = 0, hitTotal = 0.0, extraTotal = 0
        print("image                                  rot  skew inv  words  acc    extra dropped  secs  text")
        for photo in try FixtureImages.manifest().text {
            let result = try reader.read(try FixtureImages.load(photo.file))
            let expected = Self.words(photo.lines.joined(separator: " "))
            let (acc, extra) = Self.accuracy(expected: expected, read: Self.words(result.text))
            expectedTotal += expected.count
            hitTotal += acc * Double(expected.count)
            extraTotal += extra.count
            print(String(format: "%-38@ %3d %5.1f %3@ %6d %5.2f %7d %7d %5.2f  ", photo.file as NSString, result.rotation,
                         result.skew, (result.inverted ? "yes" : "no") as NSString, expected.count, acc, extra.count, result.droppedWords, result.seconds)
                  + result.text)
        }
        let overall = hitTotal / Double(expectedTotal)
        print(String(format: "overall word accuracy %.3f over %d words, %d extra words", overall, expectedTotal, extraTotal))
        XCTAssertGreaterThanOrEqual(overall, 0.9)
        XCTAssertLessThanOrEqual(extraTotal, expectedTotal / 20, "too many words read that are not in the photos")
    }

    /// Labels held at a slant of 3 to 15 degrees either way: the skew is found to within a
    /// degree and the words are read as well as on straight labels.
    func testSlantedTextIsStraightenedAndRead() throws {
        let reader = try TextReader()
        let slanted = try FixtureImages.manifest().text.filter { (3...15).contains(abs($0.angle)) }
        XCTAssertGreaterThanOrEqual(slanted.count, 10)
        var expectedTotal = 0, hitTotal = 0.0
        for photo in slanted {
            let result = try reader.read(try FixtureImages.load(photo.file))
            let expected = Self.words(photo.lines.joined(separator: " "))
            let (acc, _) = Self.accuracy(expected: expected, read: Self.words(result.text))
            expectedTotal += expected.count
            hitTotal += acc * Double(expected.count)
            if result.skew != 0 {
                XCTAssertEqual(result.skew, Double(photo.angle), accuracy: 1, photo.file)
            }
        }
        XCTAssertGreaterThanOrEqual(hitTotal / Double(expectedTotal), 0.9)
        // The one Tesseract cannot read without straightening.
        let floor = try reader.read(try FixtureImages.load("text/floor-serifbold-48.jpg"))
        XCTAssertEqual(floor.skew, 6, accuracy: 1)
        XCTAssertEqual(Self.words(floor.text), ["caution", "wet", "floor"])
        var straightOnly = TextReader.Options()
        straightOnly.deskew = false
        XCTAssertTrue(try TextReader(options: straightOnly).read(try FixtureImages.load("text/floor-serifbold-48.jpg")).isEmpty,
                      "the fixture no longer needs deskewing; pick a harder one")
    }

    func testRotatedTextIsTurnedUpright() throws {
        let reader = try TextReader()
        for (file, rotation) in [("text/rice-sans-36-rot90.jpg", 180), ("text/library-serif-30-rot180.jpg", 180),
                                 ("text/cookies-bold-28-rot270.jpg", 0)] {
            let result = try reader.read(try FixtureImages.load(file))
            XCTAssertEqual(result.rotation, rotation, file)
            XCTAssertGreaterThan(result.lines.count, 0, file)
        }
    }

    func testPhotosWithoutTextYieldNoText() throws {
        let reader = try TextReader()
        let manifest = try FixtureImages.manifest()
        // The degraded scene photos too: darkness, blur and fog must not turn into words.
        let files = manifest.notext.map(\.file)
            + manifest.quality.filter { ["mug", "trees", "shelf"].contains($0.source) }.map(\.file)
            + manifest.quality.filter { $0.degradation == "covered" }.map(\.file)
        for file in files {
            let result = try reader.read(try FixtureImages.load(file))
            XCTAssertEqual(result.lines, [], "\(file) read as '\(result.text)'")
        }
    }

    func testUniformImageYieldsNoText() throws {
        let gray = try PixelImage(width: 320, height: 240, rgb: [UInt8](repeating: 128, count: 320 * 240 * 3))
        XCTAssertTrue(try TextReader().read(gray).isEmpty)
    }

    func testMissingLanguageNamesWhatIsInstalled() throws {
        XCTAssertThrowsError(try TextReader(language: "klingon")) { error in
            guard case let TextReaderError.languageNotInstalled(language, _, installed) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(language, "klingon")
            XCTAssertTrue(installed.contains("eng"), "\(installed)")
            // Every installed language is named (eng, and deu where tesseract-ocr-deu is installed).
            XCTAssertTrue("\(error)".contains("(installed: \(installed.joined(separator: ", ")))"), "\(error)")
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("tessdata-empty-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try TextReader(language: "eng", dataPath: empty.path)) { error in
            XCTAssertEqual(error as? TextReaderError,
                           .languageNotInstalled(language: "eng", dataPath: empty.path, installed: []))
        }
        XCTAssertThrowsError(try TextReader(language: "../eng")) { error in
            XCTAssertEqual(error as? TextReaderError, .badLanguageName("../eng"))
        }
    }

    func testBadPixelBufferIsRejected() {
        XCTAssertThrowsError(try PixelImage(width: 10, height: 10, rgb: [0, 0, 0])) { error in
            XCTAssertEqual(error as? PixelImageError, .badBuffer(width: 10, height: 10, bytes: 3))
        }
    }

    /// Per-photo time for a small and a large photo, best of three (the first read also pays
    /// for the model's lazy initialisation).
    func testTimings() throws {
        let reader = try TextReader()
        let check = QualityCheck()
        for file in ["text/soup-sans-32.jpg", "text/large-soup-sans-80.jpg", "notext/gravel.jpg",
                     "text/library-serif-30-rot180.jpg", "text/tilt-mono-24-p12.jpg", "text/tilt-serifbold-34-m12.jpg",
                     "text/large-tilt-serif-64-m8.jpg", "quality/shelf-camera.jpg"] {
            let image = try FixtureImages.load(file)
            var readBest = Double.infinity, checkBest = Double.infinity
            for _ in 0..<3 {
                readBest = min(readBest, try reader.read(image).seconds)
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = check.check(image)
                checkBest = min(checkBest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            print(String(format: "timing %@ %dx%d: read %.3f s, quality %.3f s", file, image.width, image.height,
                         readBest, checkBest))
            XCTAssertLessThan(readBest, 10, "\(file) took \(readBest) s to read")
        }
    }
}

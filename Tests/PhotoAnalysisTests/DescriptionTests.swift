import PhotoAnalysis
import XCTest

final class DescriptionTests: XCTestCase {
    func report(_ kinds: [QualityProblem.Kind]) -> QualityReport {
        let scores = QualityReport.Scores(
            width: 640, height: 480, meanLuminance: 30, p5: 10, p50: 30, p95: 60, contrast: 50,
            relativeContrast: 0.7, darkFraction: 0.2, brightFraction: 0, detail: 1, laplacianVariance: 5,
            laplacianRatio: 0.002, blurEffect: 0.6)
        return QualityReport(scores: scores, problems: kinds.map(QualityProblem.init(kind:)))
    }

    func reading(_ lines: [String], dropped: Int = 0) -> ReadResult {
        ReadResult(lines: lines.map { TextLine(text: $0, confidence: 90) }, language: "eng", rotation: 0,
                   inverted: false, droppedWords: dropped, seconds: 0.1)
    }

    func testOrderIsWarningCaptionText() {
        let d = Description.compose(quality: report([.dark, .blurry]), caption: "a can of soup on a table",
                                    reading: reading(["Tomato soup", "Ready to serve"]), verbosity: .captionAndText)
        XCTAssertEqual(d.message, "The photo is very dark. Turn on a light and try again. "
                       + "a can of soup on a table. It says: Tomato soup. Ready to serve.")
        XCTAssertEqual(d.qualityWarning, "The photo is very dark. Turn on a light and try again.")
        XCTAssertEqual(d.caption, "a can of soup on a table")
        // Each line ends as a sentence, so speech pauses between the lines of a label.
        XCTAssertEqual(d.text, "Tomato soup. Ready to serve.")
    }

    func testCaptionOnlyLeavesTextOutButKeepsTopWarning() {
        let d = Description.compose(quality: report([.blurry, .lowContrast]), caption: "a dog on a sofa.",
                                    reading: reading(["Acme"]), verbosity: .captionOnly, captioningInstalled: true)
        XCTAssertEqual(d.message, "The photo is blurry. Hold the camera still and try again. a dog on a sofa.")
        XCTAssertNil(d.text)
    }

    func testEverythingSpeaksAllWarningsAndUnclearText() {
        let d = Description.compose(quality: report([.blurry, .lowContrast]), caption: "a letter",
                                    reading: reading(["Dear Sam"], dropped: 3), verbosity: .everything)
        XCTAssertEqual(d.message, "The photo is blurry. Hold the camera still and try again. "
                       + "The photo is faint and hazy. Wipe the lens, avoid glare and try again. "
                       + "a letter. It says: Dear Sam. Some more text was too unclear to read.")
    }

    func testWithoutCaptionTheTextIsStillRead() {
        for verbosity in Verbosity.allCases {
            let d = Description.compose(quality: report([]), caption: nil, reading: reading(["Caution wet floor"]),
                                        verbosity: verbosity)
            XCTAssertEqual(d.message, "It says: Caution wet floor.", "\(verbosity)")
            XCTAssertNil(d.qualityWarning)
            XCTAssertNil(d.caption)
        }
    }

    func testNothingUsefulIsSaidPlainly() {
        let none = Description.compose(quality: report([]), caption: nil, reading: reading([]), verbosity: .captionAndText)
        XCTAssertEqual(none.message, "I could not find text in this photo, and no captioning model is installed.")
        let dark = Description.compose(quality: report([.dark]), caption: nil, reading: reading([]), verbosity: .captionOnly)
        XCTAssertEqual(dark.message, "The photo is very dark. Turn on a light and try again. "
                       + "I could not find text in this photo, and no captioning model is installed.")
        let installed = Description.compose(quality: nil, caption: "  ", reading: reading([]), verbosity: .everything,
                                            captioningInstalled: true)
        XCTAssertEqual(installed.message, "I could not find text in this photo.")
        let nothing = Description.compose(quality: nil, caption: nil, reading: nil, verbosity: .everything)
        XCTAssertEqual(nothing.message, "No captioning model is installed and text reading is not available, "
                       + "so I cannot describe this photo.")
    }

    func testJSONHasSeparateFields() throws {
        let d = Description.compose(quality: report([.dark]), caption: "a mug", reading: reading(["Hot"]),
                                    verbosity: .captionAndText)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(d)) as? [String: Any])
        XCTAssertEqual(object["caption"] as? String, "a mug")
        XCTAssertEqual(object["text"] as? String, "Hot.")
        XCTAssertEqual(object["verbosity"] as? String, "captionAndText")
        XCTAssertNotNil(object["quality"] as? [String: Any])
        XCTAssertNotNil(object["reading"] as? [String: Any])
        XCTAssertEqual(object["message"] as? String, d.message)
    }
}

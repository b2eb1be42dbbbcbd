import XCTest
import Messages

/// The start-up sentence, the status, the degraded states and `announce`.
final class HealthReportTests: XCTestCase {
    let en = MessageCatalogue(language: .english)
    let de = MessageCatalogue(language: .german)

    func testStartupSentenceIsBuiltFromTheParts() {
        let healthy = HealthReport(captions: .on, reading: .on(languages: "eng"), camera: .found, keys: .found)
        XCTAssertEqual(en.utterance(healthy.startup), "Ready. Captions on. Reading English. Camera found.")
        XCTAssertEqual(de.utterance(healthy.startup), "Bereit. Bildbeschreibung an. Texterkennung: Englisch. Kamera gefunden.")

        let degraded = HealthReport(captions: .noModel, reading: .missingLanguage("deu"), camera: .notFound, keys: .notFound,
                                    invalidSettings: ["capture_frames"])
        XCTAssertEqual(en.utterance(degraded.startup),
                       "Ready. Captions off: no captioning model is installed. To add one, run assist model install. "
                       + "Text reading off: the language data for German is missing. Install its tesseract-ocr package. "
                       + "No camera found. Connect a camera, or set capture_command. No button or keypad found. "
                       + "The setting capture_frames is not valid, so I use its default.")
        // Parts not configured are not mentioned.
        let folderOnly = HealthReport(captions: .modelFailed(model: "vizwiz"), reading: .off)
        XCTAssertEqual(en.utterance(folderOnly.startup),
                       "Ready. Captions off: the model vizwiz could not be loaded. Install it again with assist model install. Text reading off.")
    }

    func testStatusAddsQueueAndVoice() {
        let report = HealthReport(captions: .loading, reading: .on(languages: "eng+deu"), camera: .found)
        XCTAssertEqual(en.utterance(report.status(photosWaiting: 2, rate: 175, volume: 100)),
                       "Captions are loading. Reading English and German. Camera found. Photos waiting: 2. Speech rate 175, volume 100.")
    }

    func testEachDegradedStateIsSaidOnceWhenItBeginsAndOnceWhenItEnds() {
        var tracker = DegradedStateTracker()
        XCTAssertEqual(tracker.update([.noModel]), [.noModelBegan])
        XCTAssertEqual(tracker.update([.noModel]), [], "a state that goes on is not said again")
        XCTAssertEqual(tracker.begin(.noModel), [])
        XCTAssertEqual(tracker.update([.noModel, .cameraMissing]), [.cameraMissingBegan])
        XCTAssertEqual(tracker.update([.cameraMissing]), [.noModelEnded])
        XCTAssertEqual(tracker.end(.cameraMissing), [.cameraMissingEnded])
        XCTAssertEqual(tracker.end(.cameraMissing), [])
        // A different failed model is a new state: the old one ends, the new one begins.
        XCTAssertEqual(tracker.begin(.modelFailed(model: "a")), [.modelFailedBegan(model: "a")])
        XCTAssertEqual(tracker.update([.modelFailed(model: "b")]), [.modelFailedEnded, .modelFailedBegan(model: "b")])

        // States announced by the start-up sentence are not said again.
        var started = DegradedStateTracker(initial: [.journalUnwritable])
        XCTAssertEqual(started.update([.journalUnwritable]), [])
        XCTAssertEqual(en.utterance(started.update([])), "I can save my records again.")
    }

    func testEveryDegradedStateHasDistinctWordsForBeginAndEnd() {
        let states: [DegradedState] = [.noModel, .modelFailed(model: "m"), .ocrLanguageMissing(language: "deu"),
                                       .cameraMissing, .cameraFailing, .watchFolderMissing(folder: "/inbox"),
                                       .journalUnwritable, .inputDeviceLost]
        for catalogue in [en, de] {
            for state in states {
                XCTAssertNotEqual(catalogue.text(state.began), catalogue.text(state.ended), "\(state)")
                XCTAssertTrue(state.began.id.isError, "\(state) begins as an error")
                XCTAssertFalse(state.ended.id.isError, "\(state) ending is good news")
            }
        }
    }

    func testAnnounceLevels() {
        XCTAssertTrue(AnnounceLevel.all.allows(.ready))
        XCTAssertFalse(AnnounceLevel.errors.allows(.ready))
        XCTAssertTrue(AnnounceLevel.errors.allows(.captureHung))
        XCTAssertTrue(AnnounceLevel.errors.allows(.cameraNotFound))
        XCTAssertFalse(AnnounceLevel.none.allows(.captureHung))
        XCTAssertEqual(AnnounceLevel(rawValue: "errors"), .errors)
        XCTAssertNil(AnnounceLevel(rawValue: "some"))
    }
}

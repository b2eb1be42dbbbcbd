@testable import AssistDaemon
import Foundation
import XCTest

/// `language` sets the defaults of `voice_name` and `ocr_language`, and only the defaults.
final class LanguageConfigTests: XCTestCase {
    private func load(_ settings: [String]) throws -> DaemonConfig {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("assistd-empty-\(getpid()).conf").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let args = settings.flatMap { ["--set", $0] } + ["--config", empty]
        return try DaemonConfig.load(flags: DaemonConfig.Flags(args), environment: ["HOME": "/nonexistent"])
    }

    func testLanguageChoosesVoiceAndReadingLanguage() throws {
        let english = try load([])
        XCTAssertEqual(english.language, .english)
        XCTAssertEqual(english.voice.voice, "en")
        XCTAssertEqual(english.ocrLanguage, "eng")
        let german = try load(["language=de_DE.UTF-8"])
        XCTAssertEqual(german.language, .german)
        XCTAssertEqual(german.voice.voice, "de")
        XCTAssertEqual(german.ocrLanguage, "deu")
    }

    func testExplicitKeysWinOverLanguage() throws {
        let c = try load(["language=de", "ocr_language=eng+deu", "voice_name=de+m3"])
        XCTAssertEqual(c.ocrLanguage, "eng+deu")
        XCTAssertEqual(c.voice.voice, "de+m3")
        XCTAssertNil(try load(["ocr_language=none", "language=de"]).ocrLanguage)
    }

    func testBadLanguageAndAnnounceNameTheKey() throws {
        XCTAssertThrowsError(try load(["language=fr"])) { error in
            XCTAssertTrue("\(error)".contains("language = 'fr'"), "\(error)")
            XCTAssertTrue("\(error)".contains("en, de"), "\(error)")
        }
        XCTAssertEqual(try load(["announce=errors"]).announce, .errors)
        XCTAssertThrowsError(try load(["announce=some"])) { error in
            XCTAssertTrue("\(error)".contains("announce"), "\(error)")
        }
    }
}

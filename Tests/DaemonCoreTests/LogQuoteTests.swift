import Foundation
import XCTest
@testable import AssistDaemon

/// Log field values come from photo names, peers and photos: quoted, none of them can end a log
/// line early, forge a second one, or send a terminal escape sequence to whoever reads the log.
final class LogQuoteTests: XCTestCase {
    func testPlainValuesStayBare() {
        XCTAssertEqual(Log.quote("kitchen.jpg"), "kitchen.jpg")
        XCTAssertEqual(Log.quote("/home/ann/Pictures/Küche-2.jpg"), "/home/ann/Pictures/Küche-2.jpg")
        XCTAssertEqual(Log.quote(""), "\"\"")
    }

    func testSpacesQuotesAndBackslashesAreQuotedAndEscaped() {
        XCTAssertEqual(Log.quote("a b"), "\"a b\"")
        XCTAssertEqual(Log.quote("k=v"), "\"k=v\"")
        XCTAssertEqual(Log.quote("say \"hi\""), "\"say \\\"hi\\\"\"")
        XCTAssertEqual(Log.quote("C:\\photo"), "\"C:\\\\photo\"")
    }

    func testControlCharactersAreEscaped() {
        XCTAssertEqual(Log.quote("a\nb"), "\"a\\nb\"")
        XCTAssertEqual(Log.quote("a\rb"), "\"a\\rb\"")
        XCTAssertEqual(Log.quote("a\tb"), "\"a\\tb\"")
        XCTAssertEqual(Log.quote("\u{1B}[2Jwiped.jpg"), "\"\\u{1b}[2Jwiped.jpg\"")
        XCTAssertEqual(Log.quote("bell\u{07}"), "\"bell\\u{7}\"")
        XCTAssertEqual(Log.quote("nul\u{0}"), "\"nul\\u{0}\"")
        XCTAssertEqual(Log.quote("del\u{7F}"), "\"del\\u{7f}\"")
        XCTAssertEqual(Log.quote("csi\u{9B}2J"), "\"csi\\u{9b}2J\"")
        XCTAssertEqual(Log.quote("line\u{2028}sep"), "\"line\\u{2028}sep\"")
    }

    /// A forged line: a CR followed by what looks like another entry stays inside one quoted
    /// value with no raw control character left.
    func testNoQuotedValueHoldsARawControlCharacter() {
        let hostile = "x.jpg\r2026-01-01T00:00:00.000Z error worker: \u{1B}]0;owned\u{07} photo failed\n"
        let quoted = Log.quote(hostile)
        XCTAssertFalse(quoted.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, quoted)
        XCTAssertTrue(quoted.hasPrefix("\"") && quoted.hasSuffix("\""), quoted)
    }
}

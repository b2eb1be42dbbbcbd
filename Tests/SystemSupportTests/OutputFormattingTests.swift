import Foundation
import SystemSupport
import XCTest

/// Byte counts and JSON lines as people and scripts read them.
final class OutputFormattingTests: XCTestCase {
    func testByteCountsUseDecimalUnitsWithThreeDigits() {
        XCTAssertEqual(ByteCount.format(0), "0 B")
        XCTAssertEqual(ByteCount.format(999), "999 B")
        XCTAssertEqual(ByteCount.format(1000), "1.00 kB")
        XCTAssertEqual(ByteCount.format(12_345), "12.3 kB")
        XCTAssertEqual(ByteCount.format(987_654_321), "988 MB")
        XCTAssertEqual(ByteCount.format(1_234_567_890_123), "1.23 TB")
        XCTAssertEqual(ByteCount.format(5_000_000_000_000_000), "5000 TB")
    }

    private struct Sample: Encodable {
        var path: String
        var zebra: Int
        var alpha: [Double]
        var text: String
    }

    func testJSONLinesHaveSortedKeysUnescapedSlashesAndEscapedText() throws {
        let line = try JSONOutput.line(Sample(path: "/tmp/a b.jpg", zebra: 1, alpha: [JSONOutput.rounded(0.1 + 0.2), 12.3456789],
                                              text: "say \"hi\"\n\u{1}"))
        XCTAssertEqual(line, #"{"alpha":[0.3,12.3456789],"path":"/tmp/a b.jpg","text":"say \"hi\"\n\u0001","zebra":1}"#)
        XCTAssertFalse(line.contains("\n"))
        let back = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        XCTAssertEqual(back?["text"] as? String, "say \"hi\"\n\u{1}")
        XCTAssertEqual(JSONOutput.rounded(12.345_678), 12.346)
    }
}

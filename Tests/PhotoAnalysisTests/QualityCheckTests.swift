import Foundation
import PhotoAnalysis
import XCTest

/// Quality verdicts on the clean and degraded fixture photos. The manifest says which flags
/// each photo must get (`qualityFlags`) and which borderline ones it may also get
/// (`optionalFlags`); any other flag is a false alarm.
final class QualityCheckTests: XCTestCase {
    struct Row {
        var file: String
        var expected: Set<String>
        var optional: Set<String>
    }

    func rows() throws -> [Row] {
        let m = try FixtureImages.manifest()
        return m.text.map { Row(file: $0.file, expected: Set($0.qualityFlags), optional: []) }
            + (m.notext + m.quality).map {
                Row(file: $0.file, expected: Set($0.qualityFlags), optional: Set($0.optionalFlags ?? []))
            }
    }

    func testFlagsMatchManifestAndPrintScoreTable() throws {
        let check = QualityCheck()
        var failures: [String] = []
        var cleanCount = 0, degradedCount = 0
        print("file                                   mean   p5  p95 relC  brFr  lapRatio  blurEff noise  sharp  0deg 45deg 90deg 135deg | flags")
        for row in try rows() {
            let report = check.check(try FixtureImages.load(row.file))
            let s = report.scores
            let got = Set(report.problems.map(\.kind.rawValue))
            func f(_ v: Float?) -> String { v.map { String(format: "%5.2f", $0) } ?? "    -" }
            print(String(format: "%-38@ %5.1f %4.0f %4.0f %4.2f %5.2f %9.5f %7.3f %5.2f ", row.file as NSString,
                         s.meanLuminance, s.p5, s.p95, s.relativeContrast, s.brightFraction,
                         s.laplacianRatio, s.blurEffect, s.noise)
                  + ([s.edgeSharpness] + s.edgeSharpnessByDirection).map(f).joined(separator: " ")
                  + " | got \(got.sorted()) want \(row.expected.sorted())")
            if row.expected.isEmpty { cleanCount += 1 } else { degradedCount += 1 }
            let missing = row.expected.subtracting(got)
            let extra = got.subtracting(row.expected).subtracting(row.optional)
            if !missing.isEmpty || !extra.isEmpty {
                failures.append("\(row.file): missing \(missing.sorted()), unexpected \(extra.sorted())")
            }
        }
        print("quality: \(cleanCount) photos expected clean, \(degradedCount) expected flagged, "
              + "\(failures.count) mismatches")
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }

    func testEachProblemHasSpokenAdviceAndReportEncodes() throws {
        for kind in QualityProblem.Kind.allCases {
            let advice = QualityProblem(kind: kind).advice
            XCTAssertTrue(advice.hasSuffix("try again."), "\(kind): \(advice)")
        }
        XCTAssertEqual(QualityProblem(kind: .dark).advice, "The photo is very dark. Turn on a light and try again.")
        let report = QualityCheck().check(try FixtureImages.load("quality/soup-exposurem3_5.jpg"))
        let json = try JSONEncoder().encode(report)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        let scores = try XCTUnwrap(object["scores"] as? [String: Any])
        XCTAssertNotNil(scores["blurEffect"])
        XCTAssertNotNil(scores["laplacianVariance"])
        let problems = try XCTUnwrap(object["problems"] as? [[String: Any]])
        XCTAssertEqual(problems.first?["kind"] as? String, "dark")
        XCTAssertEqual(try JSONDecoder().decode(QualityReport.self, from: json), report)
    }

    /// Straight camera movement blurs the edges across it: the lowest direction is the one
    /// whose gradients point along the movement, while the edges along it stay sharp.
    func testMovementBlursTheEdgesAcrossIt() throws {
        for (file, blurred, sharp) in [("quality/letter-motion10a0.jpg", 0, 2), ("quality/letter-motion16a90.jpg", 2, 0)] {
            let s = QualityCheck().check(try FixtureImages.load(file)).scores
            let byDirection = s.edgeSharpnessByDirection
            XCTAssertEqual(byDirection.count, 4, file)
            let low = try XCTUnwrap(byDirection[blurred], file), high = try XCTUnwrap(byDirection[sharp], file)
            XCTAssertEqual(s.edgeSharpness, low, file)
            XCTAssertGreaterThan(high, 2 * low, file)
        }
    }

    func testUniformBlackFrameIsCoveredOnly() throws {
        let black = try PixelImage(width: 64, height: 48, rgb: [UInt8](repeating: 3, count: 64 * 48 * 3))
        XCTAssertEqual(QualityCheck().check(black).problems.map(\.kind), [.covered])
    }
}
